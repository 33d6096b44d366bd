/**
 * Pure builders of NetworkPolicy specs: who may open which port on which pods.
 */
import * as k8s from "@pulumi/kubernetes";

/**
 * Only pods matching `from` may open `port` on the pods matching `target`; all other ingress to them is
 * denied (a pod selected by any ingress policy accepts only what some policy allows). Egress is left
 * open: the app calls the database and, optionally, Cohere.
 */
export function ingressOnlyFromSpec(
  target: Record<string, string>,
  from: Record<string, string>,
  port: number,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: target },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: from } }], ports: [{ protocol: "TCP", port }] }],
  };
}
