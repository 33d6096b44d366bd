import { isRecord, records, stringLabels } from "../props";
import type { ObjectMeta } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const RECOMMENDED_LABELS: readonly string[] = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];
const VERSION_LABEL = "app.kubernetes.io/version";

export const recommendedLabels = workloadPolicy({
  name: "recommended-labels",
  description:
    "Workloads and their pod templates carry the recommended app.kubernetes.io/ labels (name, instance, " +
    "component, part-of, managed-by), so tools and people can tell what runs; selectors must not include " +
    "app.kubernetes.io/version, because selectors are immutable and a version in one breaks every upgrade.",
  enforcementLevel: "mandatory",
  requirePodSpec: false,
  check: (workload, report) => {
    const labelSets: [string, ObjectMeta | undefined][] =
      workload.kind === "Pod"
        ? [["metadata.labels", workload.metadata]]
        : [
            ["metadata.labels", workload.metadata],
            [`${workload.templatePath}.metadata.labels`, workload.templateMetadata],
          ];
    for (const [path, metadata] of labelSets) {
      const labels = stringLabels(metadata?.labels);
      for (const label of RECOMMENDED_LABELS) {
        if (!labels[label]) {
          report(`${path}["${label}"] is required`);
        }
      }
    }
    const selector = workload.selector;
    if (isRecord(selector?.matchLabels) && VERSION_LABEL in selector.matchLabels) {
      report(
        `${workload.selectorPath}.matchLabels must not contain "${VERSION_LABEL}" (selectors are immutable)`,
      );
    }
    if (records(selector?.matchExpressions).some((expression) => expression.key === VERSION_LABEL)) {
      report(
        `${workload.selectorPath}.matchExpressions must not use "${VERSION_LABEL}" (selectors are immutable)`,
      );
    }
  },
});
