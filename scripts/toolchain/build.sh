#!/usr/bin/env bash
# npm run toolchain: builds, from the Go module proxy and Debian packages only, everything the real suite
# (npm run test:real) runs on, and caches it outside the repository so a warm run takes seconds:
#   pulumi.sh  the Pulumi CLI, our Node.js language host, the kubernetes plugin, the stand-in providers
#   k3s.sh     the local cluster's binaries and images (cluster.sh starts and stops it)
#   images.sh  the PostgreSQL stand-in image (needs a Docker engine; started when none answers)
# Each prints its pieces, whether they came from the cache, and how long a cold build took.
set -euo pipefail
cd "$(dirname "$0")"
total=$(date +%s)
for part in pulumi.sh k3s.sh images.sh; do
  t=$(date +%s)
  printf '\n=== toolchain: %s ===\n' "$part"
  bash "./$part"
  echo "toolchain: $part done in $(($(date +%s) - t)) s"
done
echo "toolchain: all done in $(($(date +%s) - total)) s"
