import type { ResourceValidationPolicy } from "@pulumi/policy";

import { HPA_TYPES } from "../autoscaling";
import { getPath, toPlain } from "../props";

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1;

/**
 * The bounds the API server accepts (kubernetes/kubernetes pkg/apis/autoscaling/validation/validation.go,
 * validateHorizontalPodAutoscalerSpec: minReplicas and maxReplicas greater than 0, maxReplicas at least
 * minReplicas), checked at preview instead of failing half-way through `pulumi up`. An unset minReplicas is 1.
 */
export const hpaReplicaBounds: ResourceValidationPolicy = {
  name: "hpa-replica-bounds",
  description:
    "A HorizontalPodAutoscaler has spec.minReplicas (if set) and spec.maxReplicas of at least 1, and maxReplicas " +
    "at least minReplicas, as the API server requires: caught at preview, not half-way through an update.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!HPA_TYPES.includes(args.type)) {
      return args.notApplicable("applies to autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers");
    }
    const spec = getPath(toPlain(args.props), ["spec"]);
    const min = getPath(spec, ["minReplicas"]);
    const max = getPath(spec, ["maxReplicas"]);
    if (min !== undefined && !isCount(min)) {
      reportViolation(`spec.minReplicas must be a whole number of at least 1, got ${JSON.stringify(min)}`);
    }
    if (max === undefined) {
      reportViolation("spec.maxReplicas is missing (or unknown during preview)");
    } else if (!isCount(max)) {
      reportViolation(`spec.maxReplicas must be a whole number of at least 1, got ${JSON.stringify(max)}`);
    } else if (isCount(min) && max < min) {
      reportViolation(`spec.maxReplicas (${max}) must be at least spec.minReplicas (${min})`);
    }
  },
};
