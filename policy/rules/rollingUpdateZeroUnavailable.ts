import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";

import { isRecord, recordAt, toPlain } from "../props";

type DeploymentStrategy = Unwrap<k8s.types.input.apps.v1.DeploymentStrategy>;

/** True for 0, "0" and "0%", the IntOrString spellings of zero. */
function isZero(value: unknown): boolean {
  return value === 0 || value === "0" || value === "0%";
}

export const rollingUpdateZeroUnavailable: ResourceValidationPolicy = {
  name: "rolling-update-zero-unavailable",
  description:
    "Deployments must roll out with strategy RollingUpdate and maxUnavailable 0 (and a non-zero maxSurge), so a " +
    "release never takes a ready pod away before its replacement is ready.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (props, _args, reportViolation) => {
    const strategy = recordAt<DeploymentStrategy>(toPlain(props), ["spec", "strategy"]);
    if (strategy?.type !== undefined && strategy.type !== "RollingUpdate") {
      reportViolation(`spec.strategy.type must be RollingUpdate, got "${strategy.type}"`);
      return;
    }
    const rollingUpdate = isRecord(strategy?.rollingUpdate) ? strategy.rollingUpdate : {};
    if (rollingUpdate.maxUnavailable === undefined) {
      reportViolation(
        "spec.strategy.rollingUpdate.maxUnavailable must be set to 0 (it is unset or unknown; the default is 25%)",
      );
    } else if (!isZero(rollingUpdate.maxUnavailable)) {
      reportViolation(
        `spec.strategy.rollingUpdate.maxUnavailable must be 0, got ${JSON.stringify(rollingUpdate.maxUnavailable)}`,
      );
    } else if (isZero(rollingUpdate.maxSurge)) {
      reportViolation(
        "spec.strategy.rollingUpdate.maxSurge must be above 0 when maxUnavailable is 0, or the rollout cannot start",
      );
    }
  }),
};
