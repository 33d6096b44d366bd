/**
 * Kubernetes NetworkPolicy semantics, small enough to read: who may reach whom, computed from the policies the
 * program registers, so the tests assert on reachability rather than on the presence of objects. The rules are
 * the API's (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a pod selected by no
 * policy of a direction is open in that direction; a selected pod allows what any selecting policy's rule
 * allows; a connection needs the source's egress and the destination's ingress to allow it.
 */

export interface PolicyObject {
  readonly namespace: string;
  readonly spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: number }[];
}

/** A pod (in a namespace, with its labels) or an address outside the cluster. */
export type Endpoint =
  | { readonly kind: "pod"; readonly namespace: string; readonly labels: Record<string, string> }
  | { readonly kind: "ip"; readonly ip: string };

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

function matches(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
) {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  return ipToInt(ip) >= start && ipToInt(ip) < start + size;
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      other.kind === "ip" &&
      inCidr(other.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c))
    );
  }
  if (other.kind !== "pod") return false;
  if (peer.namespaceSelector) {
    const nsLabels = { [NAMESPACE_NAME]: other.namespace };
    return (
      matches(peer.namespaceSelector, nsLabels) &&
      (!peer.podSelector || matches(peer.podSelector, other.labels))
    );
  }
  return other.namespace === policyNamespace && matches(peer.podSelector, other.labels);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
  return (
    rule.ports === undefined ||
    rule.ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port))
  );
}

function allowedOneWay(
  policies: readonly PolicyObject[],
  self: Endpoint,
  other: Endpoint,
  port: number,
  protocol: string,
  direction: "Ingress" | "Egress",
): boolean {
  if (self.kind !== "pod") return true;
  const selecting = policies.filter(
    (p) =>
      p.namespace === self.namespace &&
      matches(p.spec.podSelector, self.labels) &&
      (p.spec.policyTypes ?? ["Ingress"]).includes(direction),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (direction === "Ingress" ? p.spec.ingress : p.spec.egress)?.some((rule) => {
      const peers = direction === "Ingress" ? rule.from : rule.to;
      const peerOk =
        peers === undefined ||
        peers.length === 0 ||
        peers.some((peer) => peerMatches(peer, p.namespace, other));
      return peerOk && portMatches(rule, port, protocol);
    }),
  );
}

/** Whether `from` may open `port` on `to` under the given policies. */
export function mayConnect(
  policies: readonly PolicyObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = "TCP",
): boolean {
  return (
    allowedOneWay(policies, from, to, port, protocol, "Egress") &&
    allowedOneWay(policies, to, from, port, protocol, "Ingress")
  );
}
