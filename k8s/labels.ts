/**
 * The one place that makes Kubernetes labels, after the recommended set
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/) as Bitnami's
 * `common.labels` does. Selectors use only the stable subset: a Deployment's selector is immutable, so a
 * label that changes between releases (`version`) must never be in it.
 */

import { PROJECT_NAME } from "../catalog";

/** The `app.kubernetes.io/part-of` label of every object. */
export const PART_OF = PROJECT_NAME;

export interface LabelInput {
  /** The service, e.g. `backend`; becomes `app.kubernetes.io/component`. */
  readonly component: string;
  /** The stack's instance name (its namespace), so two stacks' objects are told apart. */
  readonly instance: string;
  /** The app version or image tag; only on objects, never in a selector. */
  readonly version?: string;
}

/** Labels that never change for the life of a workload: safe for selectors. */
export function selectorLabels(input: LabelInput): Record<string, string> {
  return {
    "app.kubernetes.io/name": `todo-${input.component}`,
    "app.kubernetes.io/instance": input.instance,
    "app.kubernetes.io/component": input.component,
  };
}

/** The full recommended set for metadata and pod templates. */
export function standardLabels(input: LabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(input),
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  if (input.version) {
    labels["app.kubernetes.io/version"] = labelValue(input.version);
  }
  return labels;
}

/** A label value is at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
