# Helpers for scripts/toolchain/pulumi.sh (sourced; expects REPO, CACHE, WORK, GO_VERSION, SCRIPT_HASH).

say() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# lock_version NAME: the version of node_modules/NAME in package-lock.json (else package.json's pin).
lock_version() {
  node -e '
    const fs = require("fs"), path = require("path");
    const [repo, name] = process.argv.slice(1);
    let v;
    try { v = JSON.parse(fs.readFileSync(path.join(repo, "package-lock.json"))).packages["node_modules/" + name]?.version; } catch {}
    if (!v) {
      const p = JSON.parse(fs.readFileSync(path.join(repo, "package.json")));
      v = (p.dependencies || {})[name] || (p.devDependencies || {})[name] || "";
      v = v.replace(/^[~^=v]/, "");
    }
    if (!v) { console.error("no version of " + name + " in package-lock.json or package.json"); process.exit(1); }
    console.log(v);' "$REPO" "$1"
}

# semver_le A B: A <= B for plain X.Y.Z versions.
semver_le() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" == "$1" ]]; }

# pick_cli_version WANTED: WANTED if the proxy serves it, else the newest served release not above it.
pick_cli_version() {
  local wanted="$1" best="" v
  for v in "${SERVED_CLI_VERSIONS[@]}"; do
    [[ "$v" == "$wanted" ]] && { echo "$v"; return; }
    if semver_le "$v" "$wanted" && semver_le "$MIN_CLI" "$v"; then best="$v"; fi
  done
  if [[ -z "$best" ]]; then
    say "no buildable Pulumi CLI release between $MIN_CLI and $wanted (served: ${SERVED_CLI_VERSIONS[*]})"
    return 1
  fi
  echo "$best"
}

# mod_dir MODULE@VERSION: download a module through the proxy; print its (read-only) directory.
mod_dir() {
  local json dir
  json="$(GOFLAGS= go mod download -json "$1")" || { say "go mod download $1 failed: $json"; return 1; }
  dir="$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  [[ -n "$dir" && -d "$dir" ]] || { say "go mod download $1 gave no directory: $json"; return 1; }
  echo "$dir"
}

# go_directive GO.MOD: its `go` line's version.
go_directive() { sed -n 's/^go \([0-9.]*\).*/\1/p' "$1" | head -1; }

# nonlocal_replaces GO.MOD: its replace directives whose target is a module (not a ./ or ../ path).
nonlocal_replaces() {
  GOFLAGS= go mod edit -json "$1" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      for (const r of JSON.parse(s).Replace || []) {
        if (!r.New.Version) continue; // local directory
        const old = r.Old.Path + (r.Old.Version ? " " + r.Old.Version : "");
        console.log("replace " + old + " => " + r.New.Path + " " + r.New.Version);
      }
    });'
}

# cached_build COMPONENT VERSION FUNCTION: run FUNCTION OUTDIR unless the cache has it; sets LAST_CACHE_DIR.
cached_build() {
  local component="$1" version="$2" fn="$3"
  local dir="$CACHE/$component/$version-$GO_VERSION-$SCRIPT_HASH"
  local start=$(date +%s)
  LAST_CACHE_DIR="$dir"
  if [[ -f "$dir/.complete" ]]; then
    say "$component $version: cached ($dir)"
    return 0
  fi
  local tmp="$dir.partial" log="$CACHE/$component/$version-$GO_VERSION-$SCRIPT_HASH.log"
  rm -rf "$tmp" && mkdir -p "$tmp"
  say "$component $version: building (log: $log)"
  local rc
  set +e
  (set -e; "$fn" "$tmp") >"$log" 2>&1
  rc=$?
  set -e
  if ((rc != 0)); then
    say "$component $version: BUILD FAILED after $(($(date +%s) - start))s; last lines of $log:"
    tail -30 "$log" >&2
    return 1
  fi
  rm -rf "$dir" && mv "$tmp" "$dir" && date -u +%FT%TZ >"$dir/.complete"
  say "$component $version: built in $(($(date +%s) - start))s"
}

# install_file SRC DST: copy unless identical (atomically, so a running binary is not overwritten in place).
install_file() {
  cmp -s "$1" "$2" 2>/dev/null && return 0
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.tmp.$$" && chmod 0755 "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}

# build_provider OUT NAME VERSION MODULE@VER MAIN_PKG VERSION_VAR REPLACES GENERATOR
# Builds a provider from a writable copy of its module, local replaces rewritten to module versions.
build_provider() {
  local out="$1" name="$2" version="$3" module="$4" main_pkg="$5" version_var="$6" replaces="$7" generator="$8"
  local src dir="$WORK/resource-$name-$version"
  src="$(mod_dir "$module")"
  rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && cp -r "$src" "$dir" && chmod -R u+w "$dir"
  cd "$dir"
  local r
  IFS=',' read -ra rs <<<"$replaces"
  for r in "${rs[@]}"; do
    [[ -n "$r" ]] || continue
    GOFLAGS= go mod edit -dropreplace="${r%%=*}" -replace="$r"
  done
  # go.sum lacks the replacements' sums: let this build (only) record them.
  export GOFLAGS="-buildvcs=false -mod=mod"
  case "$generator" in
    k8s-schema-embed) # cmd/pulumi-resource-kubernetes embeds schema-embed.json and terraform-mapping-embed.json
      (cd cmd/pulumi-resource-kubernetes && VERSION="$version" go run generate.go) ;;
    "") ;;
    *) say "unknown generator $generator"; return 1 ;;
  esac
  go build -trimpath -ldflags "-s -w -X $version_var=$version" -o "$out/pulumi-resource-$name" "$main_pkg"
}
