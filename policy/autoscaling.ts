// What the rules know about autoscalers: which resources are HorizontalPodAutoscalers and which workload each one
// scales. A workload an autoscaler scales has its replica count set by the autoscaler, not by spec.replicas.
import type { StackValidationArgs } from "@pulumi/policy";

import { getPath, isRecord, toPlain } from "./props";
import { namespaceOf, type StackWorkload } from "./workload";

/** autoscaling/v1 is still served beside v2, with the same scaleTargetRef and replica bounds. */
export const HPA_TYPES: readonly string[] = [
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
];

/** The workload kinds with a spec.replicas that an autoscaler can own, all in apps/v1. */
const SCALABLE_KINDS: readonly string[] = ["Deployment", "StatefulSet"];

export interface StackAutoscaler {
  /** How messages name it, e.g. `HorizontalPodAutoscaler "backend"`. */
  displayName: string;
  namespace: string;
  target: Record<string, unknown>;
  /** spec.minReplicas and spec.maxReplicas as written (unset minReplicas is 1). */
  minReplicas?: unknown;
  maxReplicas?: unknown;
}

/** The autoscalers of a stack, for rules that look at them beside the workloads they scale. */
export function stackAutoscalers(args: StackValidationArgs): StackAutoscaler[] {
  return args.resources
    .filter((resource) => HPA_TYPES.includes(resource.type))
    .map((resource) => {
      const props = toPlain(resource.props);
      const name = getPath(props, ["metadata", "name"]);
      const target = getPath(props, ["spec", "scaleTargetRef"]);
      return {
        displayName: `HorizontalPodAutoscaler "${typeof name === "string" ? name : resource.name}"`,
        namespace: namespaceOf(getPath(props, ["metadata"])),
        target: isRecord(target) ? target : {},
        minReplicas: getPath(props, ["spec", "minReplicas"]),
        maxReplicas: getPath(props, ["spec", "maxReplicas"]),
      };
    });
}

/**
 * The autoscalers that scale a workload: same namespace, scaleTargetRef naming its kind and name, in apps/v1 (an
 * unset apiVersion too). A target name unknown during preview scales nothing the rules can see.
 */
export function autoscalersOf(
  entry: StackWorkload,
  autoscalers: readonly StackAutoscaler[],
): StackAutoscaler[] {
  const name = entry.workload.metadata?.name;
  if (!SCALABLE_KINDS.includes(entry.workload.kind) || typeof name !== "string") {
    return [];
  }
  return autoscalers.filter(
    ({ target, namespace }) =>
      namespace === entry.namespace &&
      target.kind === entry.workload.kind &&
      target.name === name &&
      (target.apiVersion === undefined || target.apiVersion === "apps/v1"),
  );
}
