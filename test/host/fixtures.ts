/**
 * What minikube, Docker and kubectl print, shaped from their source, for the image-delivery and
 * network-policy tests (test/host, test/scripts/minikube.test.ts, test/components/imageDelivery*.test.ts).
 */
import type { CommandResult } from "../../host/process";
import { ok } from "../scripts/stubs";

/**
 * `minikube profile list -o json --light`: `{"invalid": [...], "valid": [...]}` (cmd/minikube/cmd/config/
 * profile_list.go, printProfilesJSON; Go sorts map keys), each entry a `config.Profile` marshalled without
 * json tags (pkg/minikube/config/types.go: Profile, ClusterConfig, KubernetesConfig, Node), trimmed here to
 * the fields around the ones read. `--light` sets Status to "Skipped" (updateProfilesStatus).
 */
export function profileList(
  profiles: { name: string; runtime: string; cni?: string; ip?: string; driver?: string }[],
): string {
  return JSON.stringify({
    invalid: [],
    valid: profiles.map((p) => ({
      Name: p.name,
      Status: "Skipped",
      Config: {
        Name: p.name,
        KeepContext: false,
        Memory: 4000,
        CPUs: 2,
        Driver: p.driver ?? "docker",
        KubernetesConfig: {
          KubernetesVersion: "v1.34.0",
          ClusterName: p.name,
          Namespace: "default",
          ContainerRuntime: p.runtime,
          CRISocket: "",
          NetworkPlugin: "cni",
          ServiceCIDR: "10.96.0.0/12",
          ShouldLoadCachedImages: true,
          EnableDefaultCNI: false,
          CNI: p.cni ?? "",
        },
        Nodes: [
          {
            Name: "",
            IP: p.ip ?? "192.168.49.2",
            Port: 8443,
            KubernetesVersion: "v1.34.0",
            ContainerRuntime: p.runtime,
            ControlPlane: true,
            Worker: true,
          },
        ],
        MultiNodeRequested: false,
      },
      Active: false,
      ActiveKubeContext: true,
    })),
  });
}

/**
 * `docker info --format '{{json .DriverStatus}}'`. The containerd image store reports only its snapshotter
 * type (moby daemon/containerd/service.go, ImageService.LayerStoreStatus); the classic overlay2 store its graph
 * driver's status (as kind#3795's reporter printed it on Docker 28).
 */
export const CONTAINERD_STORE = ok('[["driver-type","io.containerd.snapshotter.v1"]]\n');
export const CLASSIC_STORE = ok(
  '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],' +
    '["Native Overlay Diff","true"],["userxattr","false"]]\n',
);
/** The docker CLI with no daemon behind it. */
export const NO_DAEMON: CommandResult = {
  status: 1,
  stdout: "",
  stderr:
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
};

/** A DaemonSet as `kubectl get daemonsets -o json` lists it, reduced to name, namespace and images. */
export function daemonSet(namespace: string, name: string, ...images: string[]) {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace },
    spec: { template: { spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } },
  };
}

export function daemonSetList(...items: ReturnType<typeof daemonSet>[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } });
}

/** kube-proxy runs on every kubeadm cluster, whatever the CNI. */
export const KUBE_PROXY = daemonSet("kube-system", "kube-proxy", "registry.k8s.io/kube-proxy:v1.34.0");
/** minikube --cni=calico: pkg/minikube/cni/calico.yaml, DaemonSet calico-node in kube-system. */
export const CALICO = daemonSet("kube-system", "calico-node", "quay.io/calico/node:v3.32.1");
/** minikube's kindnet (pkg/minikube/bootstrapper/images/images.go KindNet) and kind v0.24.0's. */
export const KINDNET_CURRENT = daemonSet(
  "kube-system",
  "kindnet",
  "docker.io/kindest/kindnetd:v20260820-69b56db7",
);
export const KINDNET_V024 = daemonSet(
  "kube-system",
  "kindnet",
  "docker.io/kindest/kindnetd:v20240813-c6f155d6",
);
/** kind v0.24.0-alpha's pin (pkg/build/nodeimage/const_cni.go), before network policies. */
export const KINDNET_OLD = daemonSet(
  "kube-system",
  "kindnet",
  "docker.io/kindest/kindnetd:v20240513-cd2ac642",
);
/** minikube --cni=flannel: pkg/minikube/cni/flannel.yaml, kube-flannel-ds in kube-flannel. */
export const FLANNEL = daemonSet("kube-flannel", "kube-flannel-ds", "docker.io/flannel/flannel:v0.27.0");
