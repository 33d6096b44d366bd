import type { StackValidationPolicy } from "@pulumi/policy";

import { autoscalersOf, stackAutoscalers } from "../autoscaling";
import { getPath, recordAt, selectorMatches, stringLabels, toPlain, type LabelSelector } from "../props";
import { describeNamespace, namespaceOf, stackWorkloads } from "../workload";

export const PDB_TYPE = "kubernetes:policy/v1:PodDisruptionBudget";

export const podDisruptionBudget: StackValidationPolicy = {
  name: "pod-disruption-budget",
  description:
    "Every Deployment or StatefulSet with more than one replica (or an autoscaler that may scale it past one) " +
    "should have a policy/v1 PodDisruptionBudget selecting its pods, so a node drain or cluster upgrade cannot " +
    "evict all replicas at once.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const budgets = args.resources
      .filter((resource) => resource.type === PDB_TYPE)
      .map((resource) => toPlain(resource.props))
      .map((props) => ({
        namespace: namespaceOf(getPath(props, ["metadata"])),
        selector: recordAt<LabelSelector>(props, ["spec", "selector"]),
      }));
    const autoscalers = stackAutoscalers(args);
    for (const entry of stackWorkloads(args)) {
      const { workload, urn, displayName, namespace } = entry;
      if (workload.kind !== "Deployment" && workload.kind !== "StatefulSet") {
        continue;
      }
      // An autoscaled workload leaves spec.replicas unset: it runs as many replicas as its autoscaler allows.
      // Otherwise an unset (or unknown) replica count defaults to 1, which a budget could not protect anyway.
      const scaledBy = workload.replicas === undefined ? autoscalersOf(entry, autoscalers)[0] : undefined;
      const replicas = scaledBy ? scaledBy.maxReplicas : workload.replicas;
      if (typeof replicas !== "number" || replicas <= 1) {
        continue;
      }
      const runs = scaledBy
        ? `may run up to ${replicas} replicas (${scaledBy.displayName})`
        : `runs ${replicas} replicas`;
      const podLabels = stringLabels(workload.templateMetadata?.labels);
      const covered = budgets.some(
        (budget) => budget.namespace === namespace && selectorMatches(budget.selector, podLabels),
      );
      if (!covered) {
        reportViolation(
          `${displayName} ${runs} but no policy/v1 PodDisruptionBudget in ` +
            `${describeNamespace(namespace)} selects its pod labels (${workload.templatePath}.metadata.labels)`,
          urn,
        );
      }
    }
  },
};
