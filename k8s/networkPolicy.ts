/**
 * Pure builders of NetworkPolicy specs: who may open which port on which pods.
 */
import type * as k8s from "@pulumi/kubernetes";

/** Who may connect: pods of the namespace matching one of `pods`, or, with `anywhere`, any source at all. */
export interface IngressSources {
  readonly pods: readonly Record<string, string>[];
  /** Any source, inside the cluster or out (a NodePort's traffic may arrive from a node's address). */
  readonly anywhere?: boolean;
}

/**
 * Only the given sources may open `port` on the pods matching `target`; all other ingress to them is denied
 * (a pod selected by any ingress policy accepts only what some policy allows). With no pods and not
 * `anywhere`, nothing may connect. Egress is left open: the app calls the database and, optionally, Cohere.
 */
export function ingressOnlyFromSpec(
  target: Record<string, string>,
  sources: IngressSources,
  port: number,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  const ports = [{ protocol: "TCP", port }];
  const ingress = sources.anywhere
    ? [{ ports }]
    : sources.pods.length > 0
      ? [{ from: sources.pods.map((labels) => ({ podSelector: { matchLabels: labels } })), ports }]
      : [];
  return { podSelector: { matchLabels: target }, policyTypes: ["Ingress"], ingress };
}
