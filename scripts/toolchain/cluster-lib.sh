# shellcheck shell=bash
# Helpers shared by k3s.sh (build), images.sh (images) and cluster.sh (run). Sourced, not run.
# Nothing here downloads anything except through the Go module proxy (go) and Debian (apt-get).

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TOOLCHAIN_DIR/../.." && pwd)
CACHE_ROOT=${TODO_TOOLCHAIN_CACHE:-$HOME/.cache/todo-app-toolchain}
IMAGES_DIR=$REPO_ROOT/toolchain/images
export PATH=/usr/local/go/bin:$PATH

SCRIPT_T0=${SCRIPT_T0:-$(date +%s)}
log() { printf '%s [%4ss] %s\n' "$(basename "$0")" "$(($(date +%s) - SCRIPT_T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

apt_ensure() { # apt_ensure CMD_OR_FILE PACKAGE...: installs PACKAGEs when CMD_OR_FILE is missing
  local probe=$1; shift
  if [[ $probe == /* ]]; then [ -e "$probe" ] && return 0; else command -v "$probe" >/dev/null 2>&1 && return 0; fi
  log "apt-get install $*"
  if [ ! -f /var/lib/apt/.todo-updated ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ]; then
    apt-get update -qq >/dev/null && touch /var/lib/apt/.todo-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_dockerd PIDFILE LOGFILE: starts dockerd when no daemon answers; writes PIDFILE only when it started one.
ensure_dockerd() {
  local pidfile=${1:-} logfile=${2:-/tmp/todo-dockerd.log}
  docker info >/dev/null 2>&1 && return 0
  apt_ensure dockerd docker.io
  log "starting dockerd (log: $logfile)"
  setsid dockerd >"$logfile" 2>&1 < /dev/null &
  local pid=$!
  [ -n "$pidfile" ] && echo "$pid" >"$pidfile"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  die "dockerd did not start; see $logfile"
}

# piece_dir COMPONENT VERSION RECIPE_TEXT: the cache folder of one built piece:
#   $CACHE_ROOT/<component>/<version>-<go version>-<12 hex of sha256(recipe)>/
piece_dir() {
  local gov hash
  gov=$(go env GOVERSION)
  hash=$(printf '%s' "$3" | sha256sum | cut -c1-12)
  echo "$CACHE_ROOT/$1/$2-$gov-$hash"
}
