/**
 * Which network plugin a cluster runs, and whether it enforces NetworkPolicy. The API server accepts a
 * NetworkPolicy on any cluster; only the plugin makes it hold, so `npm run up` reads the plugin's DaemonSets
 * (`kubectl get daemonsets --all-namespaces -o json`) and says which it found.
 */

/** The parts of a DaemonSet list this reads. */
interface DaemonSetList {
  items?: {
    metadata?: { name?: string; namespace?: string };
    spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  }[];
}

export type PolicyEnforcement =
  | { readonly enforced: true; readonly plugin: string }
  | { readonly enforced: false; readonly plugin: string; readonly why: string };

/**
 * Plugins that implement NetworkPolicy, by the name of their node DaemonSet: minikube's Calico
 * (pkg/minikube/cni/calico.yaml, `calico-node` in kube-system; the Tigera operator uses the same name in
 * calico-system) and Cilium (cilium.yaml, `cilium`; GKE Dataplane V2 calls it `anetd`), and Canal, Antrea,
 * kube-router and Weave Net.
 */
const ENFORCERS: Readonly<Record<string, string>> = {
  "calico-node": "Calico",
  canal: "Canal (Calico policy)",
  cilium: "Cilium",
  anetd: "Cilium (GKE Dataplane V2)",
  "antrea-agent": "Antrea",
  "kube-router": "kube-router",
  "weave-net": "Weave Net",
};

/**
 * kindnetd enforces NetworkPolicy since kind v0.24.0, whose image is `kindest/kindnetd:v20240813-c6f155d6`
 * (kind commit e7903573 "implement network policies", images/kindnetd/cmd/kindnetd/main.go runs
 * kube-network-policies); its images are tagged `v<yyyymmdd>-<commit>`, so the date says which it is.
 * minikube's kindnet (pkg/minikube/cni/kindnet.go) runs the same image.
 */
const KINDNETD_WITH_POLICIES = 20240813;

function kindnetdDate(image: string): number | undefined {
  const match = /kindnetd:v(\d{8})-/.exec(image);
  return match ? Number(match[1]) : undefined;
}

/** Reads the DaemonSets; undefined when the output is not a DaemonSet list. */
export function policyEnforcement(daemonSetsJson: string): PolicyEnforcement | undefined {
  let list: DaemonSetList;
  try {
    list = JSON.parse(daemonSetsJson) as DaemonSetList;
  } catch {
    return undefined;
  }
  if (!Array.isArray(list.items)) {
    return undefined;
  }
  const sets = list.items.map((item) => ({
    name: item.metadata?.name ?? "",
    images: (item.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
  }));
  const enforcer = sets.find((s) => s.name in ENFORCERS);
  if (enforcer) {
    return { enforced: true, plugin: ENFORCERS[enforcer.name] };
  }
  const kindnet = sets.find((s) => s.name === "kindnet");
  if (kindnet) {
    const image = kindnet.images.find((i) => i.includes("kindnetd")) ?? kindnet.images[0] ?? "";
    const date = kindnetdDate(image);
    if (date !== undefined && date >= KINDNETD_WITH_POLICIES) {
      return { enforced: true, plugin: `kindnet (${image})` };
    }
    return {
      enforced: false,
      plugin: `kindnet (${image || "unknown image"})`,
      why: "kindnetd enforces NetworkPolicy only from v20240813 (kind v0.24.0)",
    };
  }
  if (sets.some((s) => s.name.startsWith("kube-flannel"))) {
    return { enforced: false, plugin: "Flannel", why: "Flannel does not implement NetworkPolicy" };
  }
  return {
    enforced: false,
    plugin: "no policy-enforcing network plugin",
    why:
      "no DaemonSet of a plugin that implements NetworkPolicy runs (minikube's default bridge CNI and " +
      "Docker Desktop's network run none)",
  };
}
