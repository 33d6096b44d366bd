#!/usr/bin/env bash
# Entry point of the PostgreSQL stand-in: the official image's environment contract, re-implemented.
set -Eeo pipefail

log() { echo "postgres-standin: $*" >&2; }

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" != postgres ]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA POSTGRES_USER POSTGRES_DB

# As root: make the directories ours, then run this script again as postgres (UID 999).
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA" 2>/dev/null || true
  chmod 00700 "$PGDATA" 2>/dev/null || true
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql 2>/dev/null || true
  chmod 03775 /var/run/postgresql 2>/dev/null || true
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

# Any other UID (e.g. runAsUser 10001 with fsGroup): the directory must be creatable, then be ours.
mkdir -p "$PGDATA"
chmod 00700 "$PGDATA" 2>/dev/null || true

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    log "database is uninitialized and POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust)"
    exit 1
  fi
  # initdb needs a passwd entry for the current UID: provide one through nss_wrapper when there is none.
  if ! getent passwd "$(id -u)" >/dev/null 2>&1; then
    wrapper=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -1)
    if [ -n "$wrapper" ]; then
      NSS_WRAPPER_PASSWD=$(mktemp /tmp/nss_wrapper.passwd.XXXXXX)
      NSS_WRAPPER_GROUP=$(mktemp /tmp/nss_wrapper.group.XXXXXX)
      echo "postgres:x:$(id -u):$(id -g):PostgreSQL:$PGDATA:/bin/false" >"$NSS_WRAPPER_PASSWD"
      echo "postgres:x:$(id -g):" >"$NSS_WRAPPER_GROUP"
      export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP LD_PRELOAD=$wrapper
    fi
  fi
  log "initdb in $PGDATA (superuser $POSTGRES_USER)"
  pwfile=$(mktemp /tmp/pwfile.XXXXXX)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
    ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  if [ -n "${LD_PRELOAD:-}" ]; then
    rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"; unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
  fi
  # Listen on every address; clients from anywhere authenticate with the chosen method (as the official image).
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A temporary server on the socket only (no TCP, so readiness probes on 127.0.0.1 fail meanwhile).
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password -h /var/run/postgresql)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh) if [ -x "$f" ]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
      *.sql) log "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *.sql.xz) log "running $f"; xzcat "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *) log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "init process complete; ready for start up"
fi

exec "$@"
