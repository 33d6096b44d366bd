#!/usr/bin/env bash
# Builds the Pulumi toolchain this project runs with, from source, with nothing fetched but Go modules (through
# the configured module proxy) — no release downloads. Idempotent: every built binary is cached outside the
# repository, keyed by component, version, Go version and a hash of this folder's scripts, so a warm run only
# copies and installs.
#
#   scripts/toolchain/pulumi.sh             build what is missing, install into $PULUMI_HOME
#   scripts/toolchain/pulumi.sh --print-env print the environment lines to use the installed CLI, nothing else
#
# Environment:
#   PULUMI_HOME            where the CLI and plugins are installed (default ~/.pulumi)
#   TODO_TOOLCHAIN_CACHE   binary cache (default ~/.cache/todo-app-toolchain)
#   TODO_PULUMI_CLI_VERSION  CLI version to build instead of the one in package-lock.json
#   TODO_TOOLCHAIN_STRICT=1  exit non-zero when a plugin cannot be built (default: warn and go on)
#
# What it installs:
#   $PULUMI_HOME/versions/<cli version>/bin/{pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs, ...}
#       the layout the `pulumi` npm launcher (node_modules/.bin/pulumi) uses: it needs PULUMI_VERSION=<cli version>
#   $PULUMI_HOME/bin/*  symlinks to the above, for PATH
#   $PULUMI_HOME/plugins/resource-<name>-v<version>/  through `pulumi plugin install resource NAME VER --file BIN`
#   $PULUMI_HOME/bin/pulumi-resource-{docker,random,command}  the project's STAND-IN providers
#       (toolchain/standin-providers) for the plugins the module proxy cannot build. The engine takes a
#       pulumi-resource-<name> found on $PATH whatever version the program asks for (sdk/v3
#       go/common/workspace/plugins.go, getPluginInfoAndPath) and warns "using pulumi-resource-<name> from $PATH";
#       PULUMI_IGNORE_AMBIENT_PLUGINS=1 switches that off (and these plugins are then missing).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=scripts/toolchain/pulumi-lib.sh
source "$HERE/pulumi-lib.sh"

PRINT_ENV=0
[[ "${1:-}" == "--print-env" ]] && PRINT_ENV=1

export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
CACHE="${TODO_TOOLCHAIN_CACHE:-$HOME/.cache/todo-app-toolchain}"
WORK="$CACHE/work-pulumi" # writable module copies, kept for inspection
STRICT="${TODO_TOOLCHAIN_STRICT:-0}"

# Go: the module proxy only, build flags as in Pulumi's releases.
export GOFLAGS="-buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
GO_VERSION="$(go env GOVERSION)"
# These two files decide how binaries are built, so their hash is part of every cache key.
SCRIPT_HASH="$(cat "$HERE/pulumi.sh" "$HERE/pulumi-lib.sh" | sha256sum | cut -c1-12)"

# ---------------------------------------------------------------------------------------------------------------
# Versions

# Pulumi CLI. Releases of github.com/pulumi/pulumi/pkg/v3 the module proxy here is known to serve, newest last;
# a wanted version the proxy refuses is replaced by the newest one here not above it (but >= MIN_CLI).
SERVED_CLI_VERSIONS=(3.248.0 3.252.0 3.260.0 3.274.0 3.274.1 3.275.0 3.276.0 3.277.0)
MIN_CLI=3.257.0 # `pulumi destroy` fix the project relies on

# Resource plugins. For each, the Go source the proxy serves: "<npm version>|<provider module>@<module version>|
# <main package>|<version variable>|<local replaces rewritten: path=module@version,...>|<generator>".
# A provider repository tags only its root and SDK, so provider modules come by pseudo-version of the commit
# of the release tag.
declare -A PLUGIN_SOURCES=(
  [kubernetes]="4.25.0|github.com/pulumi/pulumi-kubernetes/provider/v4@v4.0.0-20260115033456-f47bc2d6f199|./cmd/pulumi-resource-kubernetes|github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version|github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@v4.25.0|k8s-schema-embed"
)
# Why the others cannot be built (checked against the proxy: every provider-module version is refused, its
# version list too; the root modules of these repositories do not contain the provider, a nested module).
# They are replaced by the project's stand-ins (section 5).
declare -A PLUGIN_UNBUILDABLE=(
  [random]="github.com/pulumi/pulumi-random/provider/v4 is not served at any version tried (v4.21.2: commit 48ee6c47; v4.21.1: f2d8b029)"
  [command]="github.com/pulumi/pulumi-command/provider is not served at any version tried (v1.2.1: commit 7f3eb6f3; v1.2.0: eb54e064)"
  [docker]="github.com/pulumi/pulumi-docker/provider/v5 is not served at any version tried (v5.1.0: commit e944612c; v5.2.0's tag is unknown to the proxy)"
)
PLUGINS=(kubernetes docker random command)
STANDIN_SRC="$REPO/toolchain/standin-providers"
STANDIN_VERSION="0.1.0+standin.$(cd "$STANDIN_SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
  LC_ALL=C sort -z | xargs -0 cat | sha256sum | cut -c1-10)"

wanted_cli="${TODO_PULUMI_CLI_VERSION:-$(lock_version pulumi)}"
CLI_VERSION="$(pick_cli_version "$wanted_cli")"

if [[ "$PRINT_ENV" == 1 ]]; then
  standins=()
  for name in "${PLUGINS[@]}"; do
    [[ -z "${PLUGIN_SOURCES[$name]:-}" && -f "$STANDIN_SRC/cmd/pulumi-resource-$name/main.go" ]] && standins+=("$name")
  done
  echo "export PULUMI_HOME=$PULUMI_HOME"
  echo "export PULUMI_VERSION=$CLI_VERSION"
  echo "export PATH=$PULUMI_HOME/bin:\$PATH"
  # The stand-in providers are found on PATH only; this variable would hide them.
  echo "unset PULUMI_IGNORE_AMBIENT_PLUGINS"
  echo "export TODO_STANDIN_PROVIDERS='${standins[*]}'"
  exit 0
fi

T0=$(date +%s)
say "Pulumi toolchain: cache $CACHE, PULUMI_HOME $PULUMI_HOME, $GO_VERSION, script hash $SCRIPT_HASH"
if [[ "$CLI_VERSION" != "$wanted_cli" ]]; then
  say "SUBSTITUTED: Pulumi CLI $wanted_cli (package-lock.json, npm 'pulumi') is not buildable from the module proxy;" \
    "building $CLI_VERSION, the newest buildable release not above it."
fi

CLI_BIN_DIR="$PULUMI_HOME/versions/$CLI_VERSION/bin"
mkdir -p "$CLI_BIN_DIR" "$PULUMI_HOME/bin" "$WORK"

# ---------------------------------------------------------------------------------------------------------------
# 1. Pulumi CLI: a wrapper module requiring pkg/v3 and sdk/v3 at one version (pkg's own `sdk/v3 => ../sdk` is
#    local, so `go install pkg@version` refuses), with pkg's non-local replaces copied.
build_cli() {
  local out="$1" dir="$WORK/cli-$CLI_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  local pkgdir
  pkgdir="$(mod_dir "github.com/pulumi/pulumi/pkg/v3@v$CLI_VERSION")"
  {
    echo "module todoapp.local/pulumi-cli"
    echo
    echo "go $(go_directive "$pkgdir/go.mod")"
    echo
    echo "require ("
    echo "	github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION"
    echo "	github.com/pulumi/pulumi/sdk/v3 v$CLI_VERSION"
    echo ")"
    nonlocal_replaces "$pkgdir/go.mod"
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$dir/tools.go"
  (cd "$dir" && GOFLAGS= go mod tidy >/dev/null &&
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
      -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}
cached_build cli "$CLI_VERSION" build_cli
CLI_CACHE="$LAST_CACHE_DIR"
install_file "$CLI_CACHE/pulumi" "$CLI_BIN_DIR/pulumi"

# ---------------------------------------------------------------------------------------------------------------
# 2. Node.js language host. Upstream's (a nested module of pulumi/pulumi) is not served by the proxy, so this is
#    the project's own stand-in from toolchain/language-nodejs, built against the CLI's sdk/v3.
LANGHOST_SRC="$REPO/toolchain/language-nodejs"
LANGHOST_VERSION="0.1.0-$(cat "$LANGHOST_SRC"/go.mod "$LANGHOST_SRC"/go.sum "$LANGHOST_SRC"/*.go | sha256sum | cut -c1-10)"
build_langhost() {
  local out="$1"
  (cd "$LANGHOST_SRC" && go build -mod=readonly -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X main.version=v$LANGHOST_VERSION" -o "$out/pulumi-language-nodejs" .)
}
cached_build language-nodejs "$LANGHOST_VERSION" build_langhost
install_file "$LAST_CACHE_DIR/pulumi-language-nodejs" "$CLI_BIN_DIR/pulumi-language-nodejs"

# ---------------------------------------------------------------------------------------------------------------
# 3. pulumi-resource-pulumi-nodejs (dynamic providers): a script shipped in sdk/v3's nodejs/dist.
build_nodejs_dist() {
  local out="$1" sdkdir
  sdkdir="$(mod_dir "github.com/pulumi/pulumi/sdk/v3@v$CLI_VERSION")"
  cp "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$out/"
  chmod 0755 "$out/pulumi-resource-pulumi-nodejs"
}
cached_build pulumi-resource-pulumi-nodejs "$CLI_VERSION" build_nodejs_dist
install_file "$LAST_CACHE_DIR/pulumi-resource-pulumi-nodejs" "$CLI_BIN_DIR/pulumi-resource-pulumi-nodejs"

for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
  ln -sfn "$CLI_BIN_DIR/$f" "$PULUMI_HOME/bin/$f"
done
say "CLI: $("$CLI_BIN_DIR/pulumi" version) in $CLI_BIN_DIR (symlinked from $PULUMI_HOME/bin)"

# ---------------------------------------------------------------------------------------------------------------
# 4. Resource plugins.
MISSING=()
STANDINS=()
for name in "${PLUGINS[@]}"; do
  wanted="$(lock_version "@pulumi/$name")"
  if [[ -z "${PLUGIN_SOURCES[$name]:-}" ]]; then
    if [[ -f "$STANDIN_SRC/cmd/pulumi-resource-$name/main.go" ]]; then
      say "NOT BUILT: plugin $name $wanted: ${PLUGIN_UNBUILDABLE[$name]:-no known source}; a STAND-IN replaces it (section 5)"
      STANDINS+=("$name")
    else
      say "NOT BUILT: plugin $name $wanted: ${PLUGIN_UNBUILDABLE[$name]:-no known source}"
      MISSING+=("$name")
    fi
    continue
  fi
  IFS='|' read -r version module main_pkg version_var replaces generator <<<"${PLUGIN_SOURCES[$name]}"
  if [[ "$version" != "$wanted" ]]; then
    say "SUBSTITUTED: plugin $name $wanted (package-lock.json) is not buildable from the module proxy;" \
      "building $version ($module), the only buildable release. Pin @pulumi/$name to $version to match."
  fi
  build_plugin() {
    build_provider "$1" "$name" "$version" "$module" "$main_pkg" "$version_var" "$replaces" "$generator"
  }
  cached_build "resource-$name" "$version" build_plugin
  if cmp -s "$LAST_CACHE_DIR/pulumi-resource-$name" \
    "$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name"; then
    say "plugin $name $version already installed"
  else
    "$CLI_BIN_DIR/pulumi" plugin install resource "$name" "$version" --file "$LAST_CACHE_DIR/pulumi-resource-$name" >/dev/null
    say "plugin $name $version installed"
  fi
done

# ---------------------------------------------------------------------------------------------------------------
# 5. STAND-IN providers: the project's own small implementations of the parts of pulumi-docker (Image),
#    pulumi-random (RandomPassword) and pulumi-command (local.Command) this program uses, for the plugins above
#    that cannot be built. They report version $STANDIN_VERSION, never the upstream one. On $PATH, so the engine
#    uses them for whatever version the SDK asks for; a real plugin installed later under
#    $PULUMI_HOME/plugins is NOT used while they are on $PATH: remove $PULUMI_HOME/bin/pulumi-resource-<name>.
build_standins() {
  local out="$1" n
  for n in "${STANDINS[@]}"; do
    (cd "$STANDIN_SRC" && go build -mod=readonly -trimpath -ldflags "-s -w -X main.version=$STANDIN_VERSION" \
      -o "$out/pulumi-resource-$n" "./cmd/pulumi-resource-$n")
  done
}
if ((${#STANDINS[@]})); then
  cached_build "standin-providers-$(IFS=-; echo "${STANDINS[*]}")" "$STANDIN_VERSION" build_standins
  for name in "${STANDINS[@]}"; do
    install_file "$LAST_CACHE_DIR/pulumi-resource-$name" "$PULUMI_HOME/bin/pulumi-resource-$name"
    say "STAND-IN: $PULUMI_HOME/bin/pulumi-resource-$name $STANDIN_VERSION replaces pulumi-resource-$name" \
      "$(lock_version "@pulumi/$name") (project code, toolchain/standin-providers; only what this program uses)"
  done
fi

say "done in $(($(date +%s) - T0))s. Use it with:"
"$0" --print-env | sed 's/^/    /'
if ((${#MISSING[@]})); then
  say "MISSING plugins (not buildable here): ${MISSING[*]}"
  [[ "$STRICT" == 1 ]] && exit 3
fi
exit 0
