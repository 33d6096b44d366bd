#!/usr/bin/env bash
# Builds, FROM SOURCE, everything the local single-node cluster (scripts/toolchain/cluster.sh) runs:
#   todo-kube       one multi-call binary of k8s.io/kubernetes: etcd (embedded from the module graph),
#                   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl, relay
#   cri-dockerd     the CRI shim over the host's Docker daemon (pods run images from `docker build` directly)
#   cni-plugins     bridge, host-local, loopback, portmap (github.com/containernetworking/plugins)
#   kube-router     network-policy controller only (--run-firewall; needs ipset + iptables)
#   images          pause, CoreDNS, local-path-provisioner, busybox: FROM scratch images, saved as tarballs
# Named k3s.sh for history: k3s itself (github.com/k3s-io/k3s and its k8s forks) is refused by the module proxy
# here, so the same pieces k3s bundles are built one by one from modules that are served.
#
# Sources: the Go module proxy (as configured) and Debian packages only. No GitHub release, no registry.
# Idempotent: each piece is cached OUTSIDE the repo in
#   ${TODO_TOOLCHAIN_CACHE:-$HOME/.cache/todo-app-toolchain}/<piece>/<version>-<go version>-<recipe hash>/
# (the hash covers that piece's recipe in this script, so editing one recipe rebuilds that piece only).
# On success it writes $CACHE/cluster-current.env, which cluster.sh sources.
#   usage: k3s.sh            build what is missing
#          k3s.sh --print    print the env file's path (builds nothing; fails when not built)
set -euo pipefail

# ---- pinned versions -------------------------------------------------------------------------------------
KUBERNETES_VERSION=v1.35.4          # k8s.io/kubernetes; staging modules k8s.io/* at v0.35.4
CRI_DOCKERD_VERSION=v0.4.0          # github.com/Mirantis/cri-dockerd (v0.3.16/v0.3.20 refused by the proxy here)
CNI_PLUGINS_VERSION=v1.10.0         # github.com/containernetworking/plugins
KUBE_ROUTER_VERSION=v2.1.0          # github.com/cloudnativelabs/kube-router/v2 (only version served here)
COREDNS_VERSION=v1.13.1             # github.com/coredns/coredns
LOCAL_PATH_VERSION=v0.0.30          # github.com/rancher/local-path-provisioner (only version served here)
PAUSE_VERSION=3.10.1                # tag kubelet 1.35 / cri-dockerd are told to use; built from k8s' pause.c
# busybox comes from Debian's busybox-static (its version is read from dpkg)

# Image names the cluster's manifests (cluster-manifests.sh) and cri-dockerd expect, exactly.
PAUSE_IMAGE=registry.k8s.io/pause:$PAUSE_VERSION
COREDNS_IMAGE=registry.k8s.io/coredns/coredns:$COREDNS_VERSION
LOCAL_PATH_IMAGE=rancher/local-path-provisioner:$LOCAL_PATH_VERSION
# ----------------------------------------------------------------------------------------------------------

# shellcheck source=cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
ENV_FILE=$CACHE_ROOT/cluster-current.env
if [ "${1:-}" = --print ]; then [ -f "$ENV_FILE" ] || die "not built: run $0"; echo "$ENV_FILE"; exit 0; fi

export CGO_ENABLED=0 GOWORK=off
export GOFLAGS=${GOFLAGS:--buildvcs=false}
WORK=$(mktemp -d /tmp/todo-k3s-build.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

moddir() { # moddir MODULE@VERSION: downloads through the proxy, prints the read-only module folder
  GOFLAGS= go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}
writable_copy() { # writable_copy MODULE@VERSION DEST (DEST is replaced)
  local src; src=$(moddir "$1"); [ -n "$src" ] || die "could not download $1"
  rm -rf "$2"; mkdir -p "$(dirname "$2")"; cp -r "$src" "$2"; chmod -R u+w "$2"
}
# Main-module builds happen in a fixed folder under the cache, so Go's build cache (keyed by source path)
# is reused when a recipe changes and the piece is rebuilt.
SRC_ROOT=$CACHE_ROOT/src

# piece NAME VERSION FUNCTION: runs FUNCTION OUT_DIR unless its cache folder is complete; sets PIECE_OUT.
piece() {
  local name=$1 version=$2 fn=$3 out t0 recipe
  recipe="$(declare -f "$fn") $version"
  out=$(piece_dir "$name" "$version" "$recipe")
  if [ -f "$out/.complete" ]; then
    log "$name $version: cached ($out, built in $(cat "$out/.build-seconds" 2>/dev/null || echo ?)s)"
  else
    log "$name $version: building into $out"
    t0=$(date +%s)
    rm -rf "$out.tmp"; mkdir -p "$out.tmp"
    "$fn" "$out.tmp" || die "$name $version failed"
    echo $(($(date +%s) - t0)) >"$out.tmp/.build-seconds"
    touch "$out.tmp/.complete"
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "$name $version: built in $(cat "$out/.build-seconds")s"
  fi
  PIECE_OUT=$out
}

# ---- recipes (each gets its output folder as $1) -----------------------------------------------------------

build_kube() {
  local out=$1 src=$SRC_ROOT/kubernetes-$KUBERNETES_VERSION v=$KUBERNETES_VERSION minor
  minor=$(echo "$v" | cut -d. -f2)
  writable_copy "k8s.io/kubernetes@$v" "$src"
  # The zip has neither staging/src nor vendor: point every staging module at its published v0.<minor>.<patch>.
  rm -rf "$src/vendor" "$src/go.work" "$src/go.work.sum"
  sed -i -E "s#^(\s+)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+\$#\1\2 => \2 v0${v#v1}#" "$src/go.mod"
  grep -q 'staging/src' "$src/go.mod" && die "a staging replace was left in go.mod"
  mkdir -p "$src/cmd/todo-kube"
  cat >"$src/cmd/todo-kube/main.go" <<'EOF'
// todo-kube: one multi-call binary for a single-node dev cluster: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl, and a TCP relay.
// Call as `todo-kube COMPONENT ARGS...` or through a symlink named after the component.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata"

	"go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// relay LISTEN TARGET forwards TCP connections: pods reach the loopback-only API server through it.
func relay(listen, target string) int {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "relay:", err)
			return 1
		}
		go func(c net.Conn) {
			defer c.Close()
			u, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer u.Close()
			done := make(chan struct{}, 2)
			go func() { io.Copy(u, c); done <- struct{}{} }()
			go func() { io.Copy(c, u); done <- struct{}{} }()
			<-done
		}(c)
	}
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args
	if name == "todo-kube" {
		if len(os.Args) < 2 {
			fmt.Fprintln(os.Stderr, "usage: todo-kube etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl|relay ARGS...")
			os.Exit(2)
		}
		name, args = os.Args[1], os.Args[1:]
	}
	os.Args = args
	switch strings.TrimPrefix(name, "kube-") {
	case "etcd":
		etcdmain.Main(args)
	case "apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubelet":
		os.Exit(cli.Run(kubelet.NewKubeletCommand(context.Background())))
	case "proxy":
		os.Exit(cli.Run(proxy.NewProxyCommand()))
	case "kubectl", "ctl":
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "relay":
		if len(args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: todo-kube relay LISTEN_ADDR TARGET_ADDR")
			os.Exit(2)
		}
		os.Exit(relay(args[1], args[2]))
	default:
		fmt.Fprintln(os.Stderr, "todo-kube: unknown component", name)
		os.Exit(2)
	}
}
EOF
  (cd "$src" && GOFLAGS= go mod tidy >"$out/tidy.log" 2>&1) || { tail -20 "$out/tidy.log" >&2; return 1; }
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ld+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$src" && go build -mod=mod -trimpath -ldflags "$ld" -o "$out/todo-kube" ./cmd/todo-kube)
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    ln -sf todo-kube "$out/$c"
  done
  cp "$src/go.mod" "$out/go.mod"   # the resolved module graph, for the record
}

build_cri_dockerd() {
  local out=$1 src=$SRC_ROOT/cri-dockerd-$CRI_DOCKERD_VERSION v=$CRI_DOCKERD_VERSION
  writable_copy "github.com/Mirantis/cri-dockerd@$v" "$src"
  rm -rf "$src/vendor"   # the module zip holds only vendor/modules.txt: build in module mode
  # v0.4.0 refuses Docker API < 1.42 (Docker 23); Debian bookworm's docker.io 20.10 serves 1.41. Lower the
  # floor to 1.41 (the Docker client is pinned to the daemon's API version by cluster.sh).
  sed -i 's/MinimumDockerAPIVersion = "1.42.0"/MinimumDockerAPIVersion = "1.41.0"/' "$src/libdocker/client.go"
  grep -q 'MinimumDockerAPIVersion = "1.41.0"' "$src/libdocker/client.go" || die "cri-dockerd patch did not apply"
  # Without CAP_SYS_RESOURCE (as in this machine's sandbox) the kernel refuses a negative oom_score_adj and
  # runc fails every container given one (sandboxes get -998, Guaranteed/critical pods -997). Clamp to 0 then.
  cat >"$src/core/todo_oom_linux.go" <<'GO'
package core

import (
	"os"
	"strconv"
	"strings"
)

// todoClampOOM returns v, or 0 when v is negative and this process lacks CAP_SYS_RESOURCE.
func todoClampOOM(v int) int {
	if v >= 0 {
		return v
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return v
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "CapEff:" {
			if caps, err := strconv.ParseUint(f[1], 16, 64); err == nil && caps&(1<<24) == 0 {
				return 0
			}
		}
	}
	return v
}
GO
  sed -i 's/createConfig.HostConfig.OomScoreAdj = int(rOpts.OomScoreAdj)/createConfig.HostConfig.OomScoreAdj = todoClampOOM(int(rOpts.OomScoreAdj))/' "$src/core/helpers_linux.go"
  sed -i 's/hc.OomScoreAdj = defaultSandboxOOMAdj/hc.OomScoreAdj = todoClampOOM(defaultSandboxOOMAdj)/' "$src/core/sandbox_helpers.go"
  grep -q todoClampOOM "$src/core/helpers_linux.go" && grep -q todoClampOOM "$src/core/sandbox_helpers.go" \
    || die "cri-dockerd oom patch did not apply"
  (cd "$src" && go build -mod=mod -trimpath \
    -ldflags "-s -w -X github.com/Mirantis/cri-dockerd/cmd/version.Version=${v#v} -X github.com/Mirantis/cri-dockerd/cmd/version.GitCommit=module-proxy" \
    -o "$out/cri-dockerd" .)
}

build_cni_plugins() {
  local out=$1 p
  for p in main/bridge main/loopback ipam/host-local meta/portmap; do
    GOBIN=$out go install -trimpath -ldflags "-s -w" "github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION"
  done
}

build_kube_router() {
  local out=$1
  GOBIN=$out go install -trimpath -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
}

build_coredns() {
  local out=$1
  GOBIN=$out go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_local_path() {
  local out=$1 src=$SRC_ROOT/local-path-provisioner-$LOCAL_PATH_VERSION
  writable_copy "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION" "$src"
  rm -rf "$src/vendor"   # the module zip holds only vendor/modules.txt: build in module mode
  (cd "$src" && go build -mod=mod -trimpath -ldflags "-s -w -X main.VERSION=$LOCAL_PATH_VERSION" \
    -o "$out/local-path-provisioner" .)
}

build_pause() {
  local out=$1 src
  apt_ensure gcc gcc libc6-dev
  src=$(moddir "k8s.io/kubernetes@$KUBERNETES_VERSION")
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-todo" -o "$out/pause" "$src/build/pause/linux/pause.c"
  strip "$out/pause"
}

# build_image OUT TAG DOCKERFILE_DIR FILE...: docker build FROM scratch with FILEs as context, saved as a tarball
build_image() {
  local out=$1 tag=$2 dir=$3; shift 3
  local ctx=$WORK/ctx-$RANDOM
  mkdir -p "$ctx"; cp "$dir/Dockerfile" "$ctx/"; cp "$@" "$ctx/"
  docker build -q -t "$tag" "$ctx" >/dev/null
  docker save -o "$out/image.tar" "$tag"
  echo "$tag" >"$out/tag"
}
image_pause() { build_image "$1" "$PAUSE_IMAGE" "$IMAGES_DIR/pause" "$PAUSE_BIN"; }
image_coredns() { build_image "$1" "$COREDNS_IMAGE" "$IMAGES_DIR/coredns" "$COREDNS_BIN"; }
image_local_path() { build_image "$1" "$LOCAL_PATH_IMAGE" "$IMAGES_DIR/local-path-provisioner" "$LOCAL_PATH_BIN"; }
image_busybox() { build_image "$1" "$BUSYBOX_IMAGE" "$IMAGES_DIR/busybox" /bin/busybox; }

# ---- run ----------------------------------------------------------------------------------------------------
log "go $(go env GOVERSION), cache $CACHE_ROOT"
mkdir -p "$CACHE_ROOT"
piece pause "$PAUSE_VERSION" build_pause;                     PAUSE_BIN=$PIECE_OUT/pause
piece cni-plugins "$CNI_PLUGINS_VERSION" build_cni_plugins;   CNI_BIN_DIR=$PIECE_OUT
piece coredns "$COREDNS_VERSION" build_coredns;               COREDNS_BIN=$PIECE_OUT/coredns
piece local-path-provisioner "$LOCAL_PATH_VERSION" build_local_path; LOCAL_PATH_BIN=$PIECE_OUT/local-path-provisioner
piece cri-dockerd "$CRI_DOCKERD_VERSION" build_cri_dockerd;   CRI_DOCKERD_BIN=$PIECE_OUT/cri-dockerd
piece kube-router "$KUBE_ROUTER_VERSION" build_kube_router;   KUBE_ROUTER_BIN=$PIECE_OUT/kube-router
piece kubernetes "$KUBERNETES_VERSION" build_kube;            KUBE_BIN=$PIECE_OUT/todo-kube

# Images: need a Docker daemon (started here when none answers; cluster.sh stop does not stop that one).
apt_ensure /bin/busybox busybox-static
BUSYBOX_VERSION=$(dpkg-query -W -f '${Version}' busybox-static | sed 's/^1://; s/-.*//')
BUSYBOX_IMAGE=busybox:$BUSYBOX_VERSION-debian
ensure_dockerd "" /tmp/todo-dockerd.log
fh() { cat "$@" | sha256sum | cut -c1-12; } # content hash of the files an image is made of
images=()
piece image-pause "$PAUSE_VERSION-$(fh "$PAUSE_BIN" "$IMAGES_DIR/pause/Dockerfile")" image_pause;             images+=("$PIECE_OUT/image.tar")
piece image-coredns "$COREDNS_VERSION-$(fh "$COREDNS_BIN" "$IMAGES_DIR/coredns/Dockerfile")" image_coredns;     images+=("$PIECE_OUT/image.tar")
piece image-local-path "$LOCAL_PATH_VERSION-$(fh "$LOCAL_PATH_BIN" "$IMAGES_DIR/local-path-provisioner/Dockerfile")" image_local_path; images+=("$PIECE_OUT/image.tar")
piece image-busybox "$BUSYBOX_VERSION-$(fh /bin/busybox "$IMAGES_DIR/busybox/Dockerfile")" image_busybox;       images+=("$PIECE_OUT/image.tar")

cat >"$ENV_FILE.tmp" <<EOF
# written by scripts/toolchain/k3s.sh; sourced by cluster.sh
KUBERNETES_VERSION=$KUBERNETES_VERSION
KUBE_BIN=$KUBE_BIN
CRI_DOCKERD_BIN=$CRI_DOCKERD_BIN
CNI_BIN_DIR=$CNI_BIN_DIR
KUBE_ROUTER_BIN=$KUBE_ROUTER_BIN
PAUSE_IMAGE=$PAUSE_IMAGE
COREDNS_IMAGE=$COREDNS_IMAGE
LOCAL_PATH_IMAGE=$LOCAL_PATH_IMAGE
BUSYBOX_IMAGE=$BUSYBOX_IMAGE
IMAGE_TARBALLS="${images[*]}"
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
log "all pieces ready; env: $ENV_FILE"
