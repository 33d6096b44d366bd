import type { StackValidationPolicy } from "@pulumi/policy";

import { getPath, isRecord, toPlain } from "../props";
import { describeNamespace, namespaceOf, stackWorkloads } from "../workload";

/** autoscaling/v1 is still served beside v2, with the same scaleTargetRef and replica bounds. */
export const HPA_TYPES: readonly string[] = [
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
];

/** The workload kinds with a spec.replicas that an autoscaler can own, all in apps/v1. */
const SCALABLE_KINDS: readonly string[] = ["Deployment", "StatefulSet"];

/**
 * An autoscaler writes the replica count through the scale subresource; a spec.replicas in the program is then a
 * second owner. The Kubernetes documentation on horizontal autoscaling ("Migrating Deployments and StatefulSets to
 * horizontal autoscaling") says to remove spec.replicas, because every apply of the object sets the count back to
 * it. With Pulumi that is every update of the Deployment, e.g. a new image: the count jumps back and the autoscaler
 * corrects it again, or, under server-side apply, the update can fail on a conflict with the autoscaler's field
 * manager, since pulumi-kubernetes forces conflicts only when asked to (provider/pkg/await/await.go, patchForce).
 */
export const hpaOwnsReplicas: StackValidationPolicy = {
  name: "hpa-owns-replicas",
  description:
    "A Deployment or StatefulSet that a HorizontalPodAutoscaler in its namespace scales leaves spec.replicas " +
    "unset, so Pulumi and the autoscaler do not fight over the replica count.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const autoscalers = args.resources
      .filter((resource) => HPA_TYPES.includes(resource.type))
      .map((resource) => {
        const props = toPlain(resource.props);
        const name = getPath(props, ["metadata", "name"]);
        const target = getPath(props, ["spec", "scaleTargetRef"]);
        return {
          displayName: `HorizontalPodAutoscaler "${typeof name === "string" ? name : resource.name}"`,
          namespace: namespaceOf(getPath(props, ["metadata"])),
          target: isRecord(target) ? target : {},
        };
      });
    for (const { workload, urn, displayName, namespace } of stackWorkloads(args)) {
      // A replica count unknown during preview is checked again on `pulumi up`.
      if (!SCALABLE_KINDS.includes(workload.kind) || workload.replicas === undefined) {
        continue;
      }
      const owners = autoscalers.filter(
        ({ target, namespace: hpaNamespace }) =>
          hpaNamespace === namespace &&
          target.kind === workload.kind &&
          typeof target.name === "string" &&
          target.name === workload.metadata?.name &&
          (target.apiVersion === undefined || target.apiVersion === "apps/v1"),
      );
      if (owners.length > 0) {
        reportViolation(
          `${displayName} in ${describeNamespace(namespace)} sets spec.replicas (${JSON.stringify(workload.replicas)}) ` +
            `but ${owners.map((o) => o.displayName).join(", ")} scales it: leave spec.replicas unset, so Pulumi ` +
            "and the autoscaler do not fight over the replica count",
          urn,
        );
      }
    }
  },
};
