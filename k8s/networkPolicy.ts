/**
 * Pure builders of NetworkPolicy specs: a default deny for the namespace, then one policy per allowed path
 * (DNS for everyone, ingress to a service from named pods or from anywhere, egress to named pods or to
 * internet ports, never to the cloud metadata address).
 */
import type * as k8s from "@pulumi/kubernetes";

/**
 * Who may connect: pods of the namespace matching one of `pods`, any pod of the namespaces in `namespaces`
 * (an ingress controller's), or, with `anywhere`, any source at all.
 */
export interface IngressSources {
  readonly pods: readonly Record<string, string>[];
  /** Other namespaces whose pods may connect, by name. */
  readonly namespaces?: readonly string[];
  /** Any source, inside the cluster or out (a NodePort's traffic may arrive from a node's address). */
  readonly anywhere?: boolean;
}

/**
 * Only the given sources may open `port` on the pods matching `target`; all other ingress to them is denied
 * (a pod selected by any ingress policy accepts only what some policy allows). With no pods and not
 * `anywhere`, nothing may connect. Egress has its own policies (egressSpec), under the namespace's default deny.
 */
export function ingressOnlyFromSpec(
  target: Record<string, string>,
  sources: IngressSources,
  port: number,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  const ports = [{ protocol: "TCP", port }];
  // A namespace is selected by the `kubernetes.io/metadata.name` label the API server sets on every namespace.
  const from = [
    ...sources.pods.map((labels) => ({ podSelector: { matchLabels: labels } })),
    ...(sources.namespaces ?? []).map((name) => ({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } },
    })),
  ];
  const ingress = sources.anywhere ? [{ ports }] : from.length > 0 ? [{ from, ports }] : [];
  return { podSelector: { matchLabels: target }, policyTypes: ["Ingress"], ingress };
}

/** The label the API server puts on every namespace, holding its name (immutable, so safe to select on). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The labels cert-manager gives every ACME HTTP-01 solver pod it creates (cert-manager/cert-manager
 * pkg/issuer/acme/http/pod.go podLabels, `SolverIdentificationLabelKey` of pkg/apis/acme/v1/types.go), beside a
 * domain and a token hash that change with each challenge.
 */
export const ACME_HTTP01_SOLVER_LABELS: Readonly<Record<string, string>> = {
  "acme.cert-manager.io/http01-solver": "true",
};

/** The port the solver listens on and its Service targets (pkg/issuer/acme/http/http.go `acmeSolverListenPort`). */
export const ACME_HTTP01_SOLVER_PORT = 8089;

/**
 * Lets the ingress controller's pods reach cert-manager's HTTP-01 solver pods, and nothing else reach them. For an
 * Ingress with a ClusterIssuer, cert-manager answers the ACME HTTP-01 challenge with a pod it creates in the
 * Challenge's namespace, the Ingress's own (pod.go buildDefaultPod, `Namespace: ch.Namespace`), routed to by a
 * temporary Ingress path through the same controller (ingress.go ingressPath). The namespace's default deny would
 * drop the controller's connection, so no certificate would ever be issued. The solver needs no egress: it only
 * serves the challenge (pkg/issuer/acme/http/solver/solver.go), and both the ACME server's request and
 * cert-manager's own self check arrive through the controller (http.go buildChallengeUrl, testReachability). A
 * DNS-01 issuer starts no such pod, so the policy then selects nothing.
 */
export function acmeSolverIngressSpec(
  controllerNamespace: string,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  return ingressOnlyFromSpec(
    ACME_HTTP01_SOLVER_LABELS,
    { pods: [], namespaces: [controllerNamespace] },
    ACME_HTTP01_SOLVER_PORT,
  );
}

/**
 * The cloud metadata address (AWS, GCP, Azure, and most others): a pod that reaches it can often read the node's
 * credentials. Every internet egress rule leaves it out.
 */
export const METADATA_CIDR = "169.254.169.254/32";

/** Everything on IPv4 but the metadata address. */
const INTERNET = { ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_CIDR] } };

/**
 * Isolates every pod of the namespace for both directions: what no other policy allows is denied. The allows
 * are the other policies of this file, each naming one path.
 */
export function defaultDenySpec(): k8s.types.input.networking.v1.NetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/**
 * DNS for every pod: UDP and TCP 53 to the cluster's DNS pods in kube-system (CoreDNS on minikube, kind and the
 * managed clusters, labelled `k8s-app: kube-dns` for compatibility), the namespace selected by its
 * `kubernetes.io/metadata.name` label, which the API server sets on every namespace. A node-local DNS cache
 * (169.254.20.10, host network) is not covered: such a cluster needs an ipBlock rule of its own.
 */
export function dnsEgressSpec(): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  };
}

/** Where a service's pods may connect to. */
export interface EgressTargets {
  /** Pods of the namespace, each on one port. */
  readonly pods: readonly { readonly labels: Record<string, string>; readonly port: number }[];
  /** Ports on the internet (any address but the metadata one), e.g. 443 for an API, an external database's. */
  readonly internetPorts: readonly number[];
}

/** The egress the pods matching `target` are allowed, on top of DNS; nothing else. */
export function egressSpec(
  target: Record<string, string>,
  targets: EgressTargets,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  const internetPorts = [...new Set(targets.internetPorts)].sort((a, b) => a - b);
  return {
    podSelector: { matchLabels: target },
    policyTypes: ["Egress"],
    egress: [
      ...targets.pods.map((p) => ({
        to: [{ podSelector: { matchLabels: p.labels } }],
        ports: [{ protocol: "TCP", port: p.port }],
      })),
      ...(internetPorts.length > 0
        ? [{ to: [INTERNET], ports: internetPorts.map((port) => ({ protocol: "TCP", port })) }]
        : []),
    ],
  };
}
