#!/usr/bin/env bash
# Proves a running cluster.sh cluster does what the app needs; prints one line per check and
# 'N passed, N failed' at the end. Leaves nothing behind (namespace todo-smoke is deleted).
#   usage: cluster-smoke.sh [--kubeconfig FILE]   (default: ${TODO_CLUSTER_KUBECONFIG:-~/.local/state/todo-k3s/kubeconfig})
# Checks: node Ready; CoreDNS resolves kubernetes.default from a pod; a pod runs an image just made with
# `docker build` (imagePullPolicy Never); a default-deny NetworkPolicy blocks a pod-to-pod connection that
# worked before it; a PVC of the default StorageClass (local-path) binds and is writable.
set -euo pipefail
# shellcheck source=cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
KCFG=${TODO_CLUSTER_KUBECONFIG:-$HOME/.local/state/todo-k3s/kubeconfig}
[ "${1:-}" = --kubeconfig ] && KCFG=$2
# shellcheck disable=SC1090
source "$("$TOOLCHAIN_DIR/k3s.sh" --print)"
export KUBECACHEDIR="$(dirname "$KCFG")/kube-cache"   # kubectl never writes ~/.kube
k() { "$KUBE_BIN" kubectl --kubeconfig "$KCFG" "$@"; }
NS=todo-smoke
pass=0 fail=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@" >"/tmp/todo-smoke.$$.out" 2>&1; then pass=$((pass + 1)); log "PASS $name"
  else fail=$((fail + 1)); log "FAIL $name"; tail -5 "/tmp/todo-smoke.$$.out" >&2; fi
}
cleanup() { k delete ns "$NS" --wait=false >/dev/null 2>&1 || true; rm -f "/tmp/todo-smoke.$$.out"; }
trap cleanup EXIT

# A tiny image made on the spot, never pushed anywhere.
ctx=$(mktemp -d)
printf 'FROM %s\nCMD ["sh", "-c", "echo built-locally-ok; sleep 3600"]\n' "$BUSYBOX_IMAGE" >"$ctx/Dockerfile"
docker build -q -t todo-smoke:local "$ctx" >/dev/null; rm -rf "$ctx"

k delete ns "$NS" --ignore-not-found --wait=true --timeout=120s >/dev/null   # a previous run's, still terminating
k create ns "$NS" >/dev/null
bb() { # bb NAME LABEL COMMAND: a busybox pod
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS, labels: {app: $2}}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: $BUSYBOX_IMAGE, imagePullPolicy: Never, command: ["sh", "-c", "$3"]}]
EOF
}
{
  bb server server "while true; do echo hello | nc -l -p 8080; done"; echo ---
  bb client client "sleep 3600"; echo ---
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: local-image, namespace: $NS}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: todo-smoke:local, imagePullPolicy: Never}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: $NS}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: pvc-user, namespace: $NS}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: $BUSYBOX_IMAGE, imagePullPolicy: Never,
                command: ["sh", "-c", "echo persisted >/data/f && cat /data/f && sleep 3600"],
                volumeMounts: [{name: d, mountPath: /data}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
EOF
} | k apply -f - >/dev/null

check "node Ready" k wait --for=condition=Ready node --all --timeout=60s
check "pods Running" k -n "$NS" wait --for=condition=Ready pod --all --timeout=180s
check "pod runs the locally built image" sh -c "$KUBE_BIN kubectl --kubeconfig $KCFG -n $NS logs local-image | grep -q built-locally-ok"
check "CoreDNS resolves kubernetes.default from a pod" k -n "$NS" exec client -- nslookup kubernetes.default.svc.cluster.local
check "PVC (local-path) Bound" sh -c "$KUBE_BIN kubectl --kubeconfig $KCFG -n $NS get pvc data -o jsonpath={.status.phase} | grep -qx Bound"
check "PVC writable" sh -c "$KUBE_BIN kubectl --kubeconfig $KCFG -n $NS logs pvc-user | grep -q persisted"
server_ip=$(k -n "$NS" get pod server -o jsonpath='{.status.podIP}')
reach() { k -n "$NS" exec client -- nc -w 3 "$server_ip" 8080 </dev/null 2>/dev/null | grep -q hello; }
check "client reaches server before any policy" reach
k apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: $NS}
spec: {podSelector: {}, policyTypes: [Ingress]}
EOF
blocked() { # the policy reaches the iptables rules within a few seconds: retry up to 30s
  local i
  for i in $(seq 1 10); do
    if ! reach; then return 0; fi
    sleep 3
  done
  return 1
}
check "default-deny NetworkPolicy blocks client -> server" blocked
k -n "$NS" delete networkpolicy default-deny-ingress >/dev/null
unblocked() { local i; for i in $(seq 1 10); do reach && return 0; sleep 3; done; return 1; }
check "connection works again once the policy is deleted" unblocked
echo "smoke: $pass passed, $fail failed"
[ "$fail" = 0 ]
