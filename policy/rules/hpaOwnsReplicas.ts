import type { StackValidationPolicy } from "@pulumi/policy";

import { autoscalersOf, stackAutoscalers } from "../autoscaling";
import { describeNamespace, stackWorkloads } from "../workload";

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
    const autoscalers = stackAutoscalers(args);
    for (const entry of stackWorkloads(args)) {
      // A replica count unknown during preview is checked again on `pulumi up`.
      if (entry.workload.replicas === undefined) {
        continue;
      }
      const owners = autoscalersOf(entry, autoscalers);
      if (owners.length > 0) {
        reportViolation(
          `${entry.displayName} in ${describeNamespace(entry.namespace)} sets spec.replicas ` +
            `(${JSON.stringify(entry.workload.replicas)}) but ${owners.map((o) => o.displayName).join(", ")} ` +
            "scales it: leave spec.replicas unset, so Pulumi and the autoscaler do not fight over the replica count",
          entry.urn,
        );
      }
    }
  },
};
