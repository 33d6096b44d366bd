#!/usr/bin/env bash
# Builds the stand-in images the app needs that no registry can give this machine, into the HOST's Docker:
#   todo-postgres-standin:15   PostgreSQL (Debian bookworm's 15) honouring the official postgres image's contract
#                              (toolchain/images/postgres/); use it as postgresImage for the local cluster.
# Its base is the Debian stand-in from shared/tools/stand-in-base-images.sh (built there when missing).
# Idempotent: the image is saved as a tarball in
#   ${TODO_TOOLCHAIN_CACHE:-$HOME/.cache/todo-app-toolchain}/image-postgres/<pg major>-<hash of its files>/
# and only loaded (not rebuilt) when Docker lost it.   usage: images.sh [--print-tags]
set -euo pipefail
PG_MAJOR=15                                   # Debian bookworm's PostgreSQL
POSTGRES_TAG=todo-postgres-standin:$PG_MAJOR
BASE_IMAGE=local/python:3.11-slim             # from stand-in-base-images.sh (Debian bookworm minbase)

# shellcheck source=cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
if [ "${1:-}" = --print-tags ]; then echo "$POSTGRES_TAG"; exit 0; fi

ensure_dockerd "" /tmp/todo-dockerd.log
shared_tools=${TODO_SHARED_TOOLS:-$REPO_ROOT/../shared/tools}
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  [ -x "$shared_tools/stand-in-base-images.sh" ] || [ -f "$shared_tools/stand-in-base-images.sh" ] \
    || die "$BASE_IMAGE missing and $shared_tools/stand-in-base-images.sh not found (set TODO_SHARED_TOOLS)"
  log "building the Debian stand-in bases (stand-in-base-images.sh)"
  bash "$shared_tools/stand-in-base-images.sh" >/dev/null
fi

dir=$IMAGES_DIR/postgres
hash=$(cat "$dir/Dockerfile" "$dir/docker-entrypoint.sh" <(docker image inspect -f '{{.Id}}' "$BASE_IMAGE") | sha256sum | cut -c1-12)
out=$CACHE_ROOT/image-postgres/$PG_MAJOR-$hash
if [ -f "$out/.complete" ]; then
  if docker image inspect "$POSTGRES_TAG" >/dev/null 2>&1 \
     && [ "$(docker image inspect -f '{{.Id}}' "$POSTGRES_TAG")" = "$(cat "$out/id")" ]; then
    log "$POSTGRES_TAG: cached ($out)"
  else
    log "$POSTGRES_TAG: docker load from $out"; docker load -q -i "$out/image.tar" >/dev/null
  fi
else
  t0=$(date +%s)
  log "$POSTGRES_TAG: docker build (apt-get inside; a few minutes)"
  docker build -q --build-arg "BASE=$BASE_IMAGE" --build-arg "PG_MAJOR=$PG_MAJOR" -t "$POSTGRES_TAG" "$dir" >/dev/null
  mkdir -p "$out"
  docker save -o "$out/image.tar" "$POSTGRES_TAG"
  docker image inspect -f '{{.Id}}' "$POSTGRES_TAG" >"$out/id"
  echo $(($(date +%s) - t0)) >"$out/.build-seconds"; touch "$out/.complete"
  log "$POSTGRES_TAG: built in $(cat "$out/.build-seconds")s"
fi
echo "$POSTGRES_TAG"
