#!/usr/bin/env bash
# Runs the backend's test suite on Debian's Python (/usr/bin/python3) and Debian's python3-* packages, which a
# fresh Debian machine can install without PyPI. Installs them when missing (needs root for that).
# Writes nothing into the source tree: no pytest cache, no __pycache__. Exits non-zero when a test fails.
#   usage: bash app/backend/scripts/test.sh [extra pytest arguments]
set -euo pipefail

backend_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3
packages=(python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2 python3-httpx python3-pytest)

have_packages() {
  [ -x "$python" ] \
    && "$python" -c "import fastapi, uvicorn, sqlalchemy, psycopg2, httpx, pytest" >/dev/null 2>&1
}

if ! have_packages; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: Debian packages missing (${packages[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "test.sh: installing ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi

cd "$backend_dir"
export PYTHONDONTWRITEBYTECODE=1
exec "$python" -m pytest -p no:cacheprovider "$@"
