#!/usr/bin/env bash
# Runs the backend's test suite on the versions the image installs: requirements.txt, plus the test tools pinned in
# requirements-test.txt, in a virtual environment outside the source tree, on Python 3.11 (the image's) when there
# is one. The environment is named after a hash of both files and of the interpreter, so it is created (from PyPI)
# on the first run and reused until one of them changes; a run cut short is redone, never half reused.
# Writes nothing into the source tree: no pytest cache, no __pycache__. Exits non-zero when a test fails.
#   usage: bash app/backend/scripts/test.sh [extra pytest arguments]
#   environment: XDG_CACHE_HOME (default ~/.cache) holds todo-app/backend-venv-<hash>
set -euo pipefail

backend_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements=("$backend_dir/requirements.txt" "$backend_dir/requirements-test.txt")

# An interpreter that can create a virtual environment with pip in it (Debian ships that part as python3.X-venv).
can_venv() { command -v "$1" >/dev/null 2>&1 && "$1" -c "import venv, ensurepip" >/dev/null 2>&1; }

# Debian bookworm's python3.11 is the image's minor version; as root, install it rather than test on another.
if ! can_venv python3.11 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test.sh: installing python3.11 python3.11-venv with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv \
      >/dev/null || true
fi
if can_venv python3.11; then
  python=python3.11
elif can_venv python3; then
  python=python3
  echo "test.sh: note: no python3.11 (the image's Python) with venv; using $(python3 --version)" >&2
else
  echo "test.sh: needs Python 3.11 and its venv module (Debian: apt-get install python3.11 python3.11-venv)" >&2
  exit 1
fi

# The key covers the interpreter too, so that a Python upgrade never reuses packages built for the old one.
read -r version hash < <("$python" - "${requirements[@]}" <<'PY'
import hashlib, platform, sys
h = hashlib.sha256(f"{sys.executable} {sys.version}\n".encode())
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        h.update(f.read())
print(platform.python_version(), h.hexdigest()[:12])
PY
)
[ -n "${hash:-}" ] || { echo "test.sh: $python could not read ${requirements[*]}" >&2; exit 1; }
venv="${XDG_CACHE_HOME:-$HOME/.cache}/todo-app/backend-venv-$hash"
mkdir -p "$(dirname "$venv")"

# One run at a time creates a given environment; another waits for it, then reuses it (no flock on macOS: no wait).
exec 9>"$venv.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -f "$venv/.complete" ]; then
  echo "test.sh: pytest on Python $version, pinned requirements, reusing $venv" >&2
else
  echo "test.sh: pytest on Python $version, pinned requirements, creating $venv (pip install from the index)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q \
    -r "${requirements[0]}" -r "${requirements[1]}"
  touch "$venv/.complete"
fi
exec 9>&-

cd "$backend_dir"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
