import type { StackValidationPolicy } from "@pulumi/policy";

import { getPath, toPlain } from "../props";
import { describeNamespace, namespaceOf, stackWorkloads, type StackWorkload } from "../workload";

export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

export const networkPolicyPresent: StackValidationPolicy = {
  name: "network-policy-present",
  description:
    "Every namespace that runs pods should have at least one networking.k8s.io/v1 NetworkPolicy: without one, " +
    "every pod accepts traffic from anywhere in the cluster.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const covered = new Set(
      args.resources
        .filter((resource) => resource.type === NETWORK_POLICY_TYPE)
        .map((resource) => namespaceOf(getPath(toPlain(resource.props), ["metadata"]))),
    );
    const uncovered = new Map<string, StackWorkload[]>();
    for (const entry of stackWorkloads(args)) {
      if (!covered.has(entry.namespace)) {
        uncovered.set(entry.namespace, [...(uncovered.get(entry.namespace) ?? []), entry]);
      }
    }
    for (const [namespace, workloads] of uncovered) {
      reportViolation(
        `${describeNamespace(namespace)} runs pods (${workloads.map((w) => w.displayName).join(", ")}) but has no ` +
          "networking.k8s.io/v1 NetworkPolicy",
      );
    }
  },
};
