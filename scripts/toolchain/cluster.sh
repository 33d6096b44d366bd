#!/usr/bin/env bash
# A local single-node Kubernetes cluster built from source by k3s.sh (no registry, no download at run time).
# Pods run on the HOST's Docker daemon through cri-dockerd, so an image made with `docker build` runs as it is
# (imagePullPolicy IfNotPresent/Never), like minikube's docker-env. Add-ons: CoreDNS, local-path-provisioner
# (default StorageClass `local-path`), kube-router's network-policy controller (NetworkPolicies enforced).
# No traefik, servicelb or metrics-server.
#
#   cluster.sh start  [--state-dir DIR] [--kubeconfig FILE] [--context NAME]
#   cluster.sh stop   [--state-dir DIR]            stops all that start started, and the pods' containers
#   cluster.sh status [--state-dir DIR]            exit 0 while it runs, 3 when stopped
# Defaults: --state-dir ${TODO_CLUSTER_STATE_DIR:-$HOME/.local/state/todo-k3s}
#           --kubeconfig ${TODO_CLUSTER_KUBECONFIG:-<state dir>/kubeconfig}  (~/.kube/config is never touched)
#           --context ${TODO_CLUSTER_CONTEXT:-todo-k3s}
# The API server listens on 127.0.0.1:6443 only. Pods reach it as https://kubernetes.default through a relay
# on the pod bridge's gateway address (10.42.0.1, host-internal), because a Service cannot point at loopback.
# Needs root (kubelet, iptables, mounts).
set -euo pipefail
# shellcheck source=cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
# shellcheck source=cluster-manifests.sh
source "$TOOLCHAIN_DIR/cluster-manifests.sh"

NODE_NAME=${TODO_CLUSTER_NODE_NAME:-todo-k3s}
CLUSTER_CIDR=10.42.0.0/16
POD_CIDR=10.42.0.0/24          # the first /24 the controller-manager gives the only node
NODE_IP=10.42.0.1              # gateway of the pod bridge: kubelet, and the relay to the API server
BRIDGE=todo-cni0
SERVICE_CIDR=10.43.0.0/16
API_SERVICE_IP=10.43.0.1
CLUSTER_DNS=10.43.0.10
API_PORT=6443
ETCD_PORT=12379                # etcd peer 12380, metrics 12381; loopback only
COMPONENTS=(etcd kube-apiserver relay kube-controller-manager kube-scheduler cri-dockerd kubelet kube-proxy kube-router)

cmd=${1:-}; shift || true
STATE_DIR=${TODO_CLUSTER_STATE_DIR:-$HOME/.local/state/todo-k3s}
KUBECONFIG_OUT=${TODO_CLUSTER_KUBECONFIG:-}
CONTEXT=${TODO_CLUSTER_CONTEXT:-todo-k3s}
while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) STATE_DIR=$2; shift 2 ;;
    --kubeconfig) KUBECONFIG_OUT=$2; shift 2 ;;
    --context) CONTEXT=$2; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)
KUBECONFIG_OUT=${KUBECONFIG_OUT:-$STATE_DIR/kubeconfig}
RUN=$STATE_DIR/run LOGS=$STATE_DIR/logs PKI=$STATE_DIR/pki KCFG=$STATE_DIR/kubeconfigs CONF=$STATE_DIR/config
CNI_CONF_DIR=$STATE_DIR/cni/net.d STORAGE_DIR=$STATE_DIR/storage KUBELET_DIR=$STATE_DIR/kubelet

# ---- processes ------------------------------------------------------------------------------------------------
pid_of() { # prints the pid of a component started by us, if it is alive and still that program
  local f=$RUN/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && alive "$pid" || return 1
  grep -qaF -- "$(cat "$RUN/$1.exe" 2>/dev/null || echo /nonexistent)" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}
start_proc() { # start_proc NAME EXE ARGS...: in its own session, logs in $LOGS/NAME.log
  local name=$1; shift
  if pid_of "$name" >/dev/null; then log "$name already running (pid $(pid_of "$name"))"; return 0; fi
  echo "$1" >"$RUN/$name.exe"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  log "$name started (pid $!, log $LOGS/$name.log)"
}
alive() { # a zombie (exited, not yet reaped by init) counts as gone
  [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}
stop_proc() {
  local name=$1 pid
  pid=$(pid_of "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.2; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$RUN/$name.pid"
  log "$name stopped (pid $pid)"
}
wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...
  local what=$1 secs=$2 t0; shift 2; t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    [ $(($(date +%s) - t0)) -lt "$secs" ] || { log "timed out after ${secs}s waiting for $what"; return 1; }
    sleep 1
  done
  log "$what (after $(($(date +%s) - t0))s)"
}
kctl() { "$KUBE_BIN" kubectl --cache-dir "$STATE_DIR/kube-cache" --kubeconfig "$KCFG/admin.kubeconfig" "$@"; }

# ---- certificates and kubeconfigs (made once per state dir) ----------------------------------------------------
cert() { # cert NAME SUBJECT EXTENDED_USAGE [SAN]
  local name=$1 subj=$2 eku=$3 san=${4:-}
  [ -f "$PKI/$name.crt" ] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" \
    -addext "extendedKeyUsage=$eku" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    ${san:+-addext "subjectAltName=$san"} 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -copy_extensions copy -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}
kubeconfig() { # kubeconfig FILE CERTNAME CONTEXT USER SERVER
  b64() { base64 -w0 <"$1"; }
  umask 077
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $3
  cluster:
    server: $5
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $4
  user:
    client-certificate-data: $(b64 "$PKI/$2.crt")
    client-key-data: $(b64 "$PKI/$2.key")
contexts:
- name: $3
  context: {cluster: $3, user: $4}
current-context: $3
EOF
  umask 022
}
make_pki() {
  mkdir -p "$PKI" "$KCFG"; chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=todo-k3s-ca" -days 3650 -out "$PKI/ca.crt" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$API_SERVICE_IP,IP:$NODE_IP"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  cert admin "/O=system:masters/CN=todo-k3s-admin" clientAuth
  cert controller-manager "/CN=system:kube-controller-manager" clientAuth
  cert scheduler "/CN=system:kube-scheduler" clientAuth
  cert kube-proxy "/CN=system:kube-proxy" clientAuth
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  cert kubelet-serving "/CN=$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP,IP:127.0.0.1"
  cert kube-router "/O=system:masters/CN=todo-k3s-kube-router" clientAuth
  [ -f "$PKI/sa.key" ] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null; openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  local c
  for c in admin controller-manager scheduler kube-proxy kubelet kube-router; do
    kubeconfig "$KCFG/$c.kubeconfig" "$c" todo-k3s "$c" "https://127.0.0.1:$API_PORT"
  done
}

write_configs() {
  mkdir -p "$CONF" "$CNI_CONF_DIR" "$STORAGE_DIR" "$KUBELET_DIR" "$STATE_DIR/cri-dockerd" "$STATE_DIR/cni/cache"
  cat >"$CNI_CONF_DIR/10-todo-k3s.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "todo-k3s",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$STATE_DIR/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$CONF/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
containerRuntimeEndpoint: unix://$RUN/cri-dockerd.sock
cgroupDriver: $(docker info -f '{{.CgroupDriver}}' 2>/dev/null || echo cgroupfs)
# cgroup v1 here: from Kubernetes 1.35 the kubelet refuses it unless this is false.
failCgroupV1: false
failSwapOn: false
clusterDNS: [$CLUSTER_DNS]
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# The host's Docker images are the cluster's images: never garbage-collect them, never evict for disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
EOF
  cat >"$CONF/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KCFG/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $CLUSTER_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Loopback too: the app is published as http://localhost:<NodePort>, as Docker Desktop and kind port maps do.
nodePortAddresses: [127.0.0.1/32, $NODE_IP/32]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

network_setup() {
  sysctl -qw net.ipv4.ip_forward=1
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then ip link add "$BRIDGE" type bridge; fi
  ip addr show dev "$BRIDGE" | grep -q "inet $NODE_IP/" || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Docker sets FORWARD's policy to DROP. Accept pod traffic at the END of FORWARD, after the chains
  # kube-proxy and kube-router insert at its top (so network policies still decide first).
  local d
  for d in -i -o; do
    iptables -C FORWARD "$d" "$BRIDGE" -j ACCEPT -m comment --comment todo-k3s 2>/dev/null \
      || iptables -A FORWARD "$d" "$BRIDGE" -j ACCEPT -m comment --comment todo-k3s
  done
}
network_teardown() {
  local d
  for d in -i -o; do
    while iptables -D FORWARD "$d" "$BRIDGE" -j ACCEPT -m comment --comment todo-k3s 2>/dev/null; do :; done
  done
  if [ -n "${KUBE_BIN:-}" ] && [ -x "$KUBE_BIN" ]; then
    "$KUBE_BIN" kube-proxy --cleanup >/dev/null 2>&1 || true
  fi
  # kube-router's own --cleanup-config panics without IPVS in the kernel: drop its filter rules and ipsets here.
  local kr='KUBE-ROUTER|KUBE-POD-FW-|KUBE-NWPLCY-|KUBE-SRC-|KUBE-DST-'
  if [ "$(iptables-save -t filter | grep -cE "$kr" || true)" != 0 ]; then
    iptables-save -t filter | grep -vE "$kr" | iptables-restore -t 2>/dev/null \
      && iptables-save -t filter | grep -vE "$kr" | iptables-restore || log "could not remove kube-router's iptables rules"
  fi
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)' || true); do ipset destroy "$set" 2>/dev/null || true; done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$STATE_DIR/cni/ipam" "$STATE_DIR/cni/cache"
}

load_env() {
  local env_file
  env_file=$("$TOOLCHAIN_DIR/k3s.sh" --print 2>/dev/null) || return 1
  # shellcheck disable=SC1090
  source "$env_file"
}

# ---- start / stop / status -------------------------------------------------------------------------------------
start() {
  [ "$(id -u)" = 0 ] || die "needs root (kubelet, iptables, mounts)"
  log "building or checking the toolchain (k3s.sh)"
  "$TOOLCHAIN_DIR/k3s.sh" || die "k3s.sh failed"
  load_env
  mkdir -p "$RUN" "$LOGS"
  apt_ensure ipset ipset; apt_ensure iptables iptables; apt_ensure conntrack conntrack; apt_ensure openssl openssl
  ensure_dockerd "$RUN/dockerd.pid" "$LOGS/dockerd.log"
  [ -f "$RUN/dockerd.pid" ] && echo dockerd >"$RUN/dockerd.exe"
  local t tag
  for t in $IMAGE_TARBALLS; do
    tag=$(cat "$(dirname "$t")/tag")
    docker image inspect "$tag" >/dev/null 2>&1 || { log "docker load $tag"; docker load -q -i "$t" >/dev/null; }
  done
  make_pki
  write_configs
  network_setup

  start_proc etcd "$KUBE_BIN" etcd --name "$NODE_NAME" --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$((ETCD_PORT + 1))" --listen-metrics-urls "http://127.0.0.1:$((ETCD_PORT + 2))" \
    --log-level warn
  wait_for "etcd healthy" 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  start_proc kube-apiserver "$KUBE_BIN" kube-apiserver \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address="$NODE_IP" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --authorization-mode=Node,RBAC --allow-privileged=true \
    --enable-admission-plugins=NodeRestriction --profiling=false
  wait_for "API server ready on 127.0.0.1:$API_PORT" 120 kctl get --raw=/readyz

  start_proc relay "$KUBE_BIN" relay "$NODE_IP:$API_PORT" "127.0.0.1:$API_PORT"
  start_proc kube-controller-manager "$KUBE_BIN" kube-controller-manager \
    --kubeconfig="$KCFG/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$KCFG/controller-manager.kubeconfig" --authorization-kubeconfig="$KCFG/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false \
    --cluster-cidr="$CLUSTER_CIDR" --allocate-node-cidrs=true --node-cidr-mask-size-ipv4=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" --use-service-account-credentials=true
  start_proc kube-scheduler "$KUBE_BIN" kube-scheduler --kubeconfig="$KCFG/scheduler.kubeconfig" \
    --authentication-kubeconfig="$KCFG/scheduler.kubeconfig" --authorization-kubeconfig="$KCFG/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  pid_of cri-dockerd >/dev/null || rm -f "$RUN/cri-dockerd.sock"   # a stale socket would pass the wait below
  # cri-dockerd's Docker client speaks API 1.46 unless told otherwise; Debian's docker.io 20.10 serves 1.41.
  # With an empty --docker-endpoint it reads DOCKER_HOST / DOCKER_API_VERSION from the environment.
  DOCKER_API_VERSION=$(docker version -f '{{.Server.APIVersion}}') \
  start_proc cri-dockerd "$CRI_DOCKERD_BIN" --docker-endpoint= --container-runtime-endpoint "unix://$RUN/cri-dockerd.sock" \
    --cri-dockerd-root-directory "$STATE_DIR/cri-dockerd" --network-plugin cni \
    --cni-bin-dir "$CNI_BIN_DIR" --cni-conf-dir "$CNI_CONF_DIR" --cni-cache-dir "$STATE_DIR/cni/cache" \
    --pod-infra-container-image "$PAUSE_IMAGE" --streaming-bind-addr 127.0.0.1:10010
  wait_for "cri-dockerd socket" 60 test -S "$RUN/cri-dockerd.sock"
  start_proc kubelet "$KUBE_BIN" kubelet --config="$CONF/kubelet.yaml" --kubeconfig="$KCFG/kubelet.kubeconfig" \
    --root-dir="$KUBELET_DIR" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
  start_proc kube-proxy "$KUBE_BIN" kube-proxy --config="$CONF/kube-proxy.yaml"
  wait_for "node $NODE_NAME registered" 120 kctl get node "$NODE_NAME"
  # kube-router exits when its node is not registered yet: start it after the kubelet registered the node.
  start_proc kube-router "$KUBE_ROUTER_BIN" --kubeconfig="$KCFG/kube-router.kubeconfig" \
    --hostname-override="$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --service-cluster-ip-range="$SERVICE_CIDR" --metrics-port=0 --health-port=0
  log "applying add-ons (CoreDNS, local-path-provisioner)"
  cluster_manifests | kctl apply -f - >"$LOGS/addons-apply.log" 2>&1 || { cat "$LOGS/addons-apply.log" >&2; die "kubectl apply failed"; }
  wait_for "node $NODE_NAME Ready" 180 kctl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
  wait_for "CoreDNS available" 240 kctl -n kube-system wait --for=condition=Available deploy/coredns --timeout=5s
  wait_for "CoreDNS answers kubernetes.default.svc.cluster.local" 120 \
    sh -c "busybox nslookup kubernetes.default.svc.cluster.local $CLUSTER_DNS | grep -q '$API_SERVICE_IP'"
  wait_for "local-path-provisioner available" 180 kctl -n local-path-storage wait --for=condition=Available deploy/local-path-provisioner --timeout=5s

  wait_for "kube-router's network-policy chains" 60 sh -c "iptables -S | grep -q KUBE-ROUTER-FORWARD"
  local c dead=""
  for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null || dead+=" $c"; done
  [ -z "$dead" ] || die "exited after start:$dead (see $LOGS/)"
  mkdir -p "$(dirname "$KUBECONFIG_OUT")"
  kubeconfig "$KUBECONFIG_OUT" admin "$CONTEXT" "$CONTEXT-admin" "https://127.0.0.1:$API_PORT"
  log "cluster up: Kubernetes $KUBERNETES_VERSION, context $CONTEXT"
  echo "export KUBECONFIG=$KUBECONFIG_OUT   # context: $CONTEXT; kubectl: $KUBE_BIN kubectl (or $(dirname "$KUBE_BIN")/kubectl)"
}

stop() {
  load_env || true
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_proc "${COMPONENTS[i]}"; done
  rm -f "$RUN/cri-dockerd.sock"
  if docker info >/dev/null 2>&1; then
    local ids
    ids=$(docker ps -aq --filter label=io.kubernetes.docker.type)
    if [ -n "$ids" ]; then
      log "removing $(echo "$ids" | wc -l) pod container(s)"
      # shellcheck disable=SC2086
      docker rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
  # Volume mounts the kubelet left (secrets, projected tokens), deepest first.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(findmnt -rn -o TARGET | grep -F "$STATE_DIR/" | sort -r)
  network_teardown
  stop_proc dockerd   # only when start started it (its pid file exists)
  local left=""
  for i in "${COMPONENTS[@]}" dockerd; do pid_of "$i" >/dev/null && left+=" $i"; done
  [ -z "$left" ] || die "still running:$left"
  log "stopped"
}

status() {
  load_env || { echo "toolchain not built (run scripts/toolchain/k3s.sh)"; }
  local c pid
  for c in "${COMPONENTS[@]}" dockerd; do
    if pid=$(pid_of "$c"); then echo "$c: running (pid $pid)"; else echo "$c: stopped"; fi
  done
  if [ -n "${KUBE_BIN:-}" ] && [ -f "$KCFG/admin.kubeconfig" ] && pid_of kube-apiserver >/dev/null; then
    kctl get nodes -o wide 2>&1 || true
    kctl get pods -A 2>&1 || true
  fi
  echo "state dir: $STATE_DIR; kubeconfig: $KUBECONFIG_OUT (context $CONTEXT)"
  # Exit 0 only while the cluster runs (its API server), 3 otherwise, as `systemctl status` does.
  pid_of kube-apiserver >/dev/null || return 3
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [--state-dir DIR] [--kubeconfig FILE] [--context NAME]" >&2; exit 2 ;;
esac
