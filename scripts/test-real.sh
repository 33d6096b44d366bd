#!/usr/bin/env bash
# npm run test:real: the README's own commands against a real cluster and the real Pulumi engine
# (test/real/). It needs what `npm run toolchain` builds (the Pulumi CLI and plugins, the cluster's binaries
# and images), and starts, then stops, everything else itself: a Docker engine when none answers, the
# stand-in base images, and the local cluster (scripts/toolchain/cluster.sh). What it started is stopped when
# it ends, passed or failed; a cluster or engine that was already running is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
started=()

say() { printf '\n=== test:real: %s ===\n' "$*"; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }

cleanup() {
  local code=$?
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    case ${started[$i]} in
      cluster)
        say "stopping the cluster"
        bash scripts/toolchain/cluster.sh stop --state-dir "$CLUSTER_STATE" || true
        [ -n "${TODO_REAL_CLUSTER_STATE:-}" ] || rm -rf "$CLUSTER_STATE"
        ;;
      dockerd)
        say "stopping the Docker engine this run started"
        kill "$(cat "$DOCKERD_PID")" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$(cat "$DOCKERD_PID")" 2>/dev/null || break; sleep 1; done
        ;;
    esac
  done
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Pulumi CLI, its language host and plugins (npm run toolchain); the CLI on PATH wins over the npm launcher.
if ! env_lines=$(bash scripts/toolchain/pulumi.sh --print-env 2>/dev/null); then
  echo "test:real: the Pulumi toolchain is not built; run \`npm run toolchain\` first." >&2
  exit 1
fi
eval "$env_lines"

# A Docker engine: the images are built there, and the cluster's kubelet runs them from there.
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || { apt-get update -qq && apt-get install -y -qq docker.io >/dev/null; }
  say "starting a Docker engine"
  DOCKERD_PID=$(mktemp)
  (setsid dockerd >/tmp/test-real-dockerd.log 2>&1 & echo $! >"$DOCKERD_PID")
  started+=(dockerd)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "test:real: dockerd did not start (/tmp/test-real-dockerd.log)" >&2; exit 1; }
fi

# Base images no registry could give: the shared Debian stand-ins, and the PostgreSQL stand-in.
shared=""
for dir in ../shared /work/shared; do [ -f "$dir/tools/stand-in-base-images.sh" ] && { shared=$dir; break; }; done
[ -n "$shared" ] || { echo "test:real: shared/tools/stand-in-base-images.sh not found" >&2; exit 1; }
t=$(date +%s); bash "$shared/tools/stand-in-base-images.sh" >/dev/null; bash scripts/toolchain/images.sh
echo "base images ready ($(elapsed "$t"))"

# kubectl as built with the cluster, first on PATH (the suite's checks and `npm run up`'s health checks use it).
cluster_env=$(bash scripts/toolchain/k3s.sh --print 2>/dev/null) \
  || { echo "test:real: the cluster is not built; run \`npm run toolchain\` first." >&2; exit 1; }
# shellcheck disable=SC1090
source "$cluster_env"
export PATH="$(dirname "$KUBE_BIN"):$PATH"

# The cluster, with a kubeconfig and context of its own. A fresh one each run (its own state folder, removed
# after), so `npm run up` starts from an empty state on an empty cluster: objects left by an earlier run's state
# would be another field manager's, and server-side apply refuses to take them over.
CLUSTER_STATE=${TODO_REAL_CLUSTER_STATE:-$(mktemp -d /tmp/todo-real-cluster.XXXXXX)}
export TODO_REAL_KUBECONFIG=$CLUSTER_STATE/kubeconfig
if ! bash scripts/toolchain/cluster.sh status --state-dir "$CLUSTER_STATE" >/dev/null 2>&1; then
  say "starting the cluster"
  t=$(date +%s)
  started+=(cluster)
  bash scripts/toolchain/cluster.sh start --state-dir "$CLUSTER_STATE" --kubeconfig "$TODO_REAL_KUBECONFIG" --context todo-k3s
  echo "cluster ready ($(elapsed "$t"))"
fi
# What the suite relies on of the cluster, shown before it starts: DNS, a locally built image running, a bound
# claim, and NetworkPolicies enforced (a default-deny policy really blocks a pod-to-pod connection).
t=$(date +%s)
bash scripts/toolchain/cluster-smoke.sh --kubeconfig "$TODO_REAL_KUBECONFIG"
echo "cluster checks: $(elapsed "$t")"

# Chromium drives the deployed app as a person would.
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
export TODO_REAL_REQUIRE=1

# The policy pack has its own dependencies (npm run pulumi -- preview --policy-pack policy).
[ -d policy/node_modules ] || (cd policy && npm ci --no-audit --no-fund >/dev/null)

if [ "${1:-}" = --bench ]; then
  say "the real figures (npm run bench:real)"
  t=$(date +%s)
  npx ts-node --transpile-only test/real/bench.ts
  echo "real figures: $(elapsed "$t")"
  exit 0
fi
say "the real suite"
t=$(date +%s)
npx vitest run --config test/real/vitest.config.mts "$@"
echo "real suite: $(elapsed "$t")"
