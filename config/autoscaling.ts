/**
 * The autoscaling settings of the two services: an object each, off when empty. Every problem names the field
 * (`frontendAutoscaling.maxReplicas`), the bad value and what is accepted.
 */
import { type Autoscaling, DEFAULT_TARGET_CPU_UTILIZATION } from "../k8s/autoscaling";
import type { ConfigReader } from "./reader";

export type AutoscalingKey = "frontendAutoscaling" | "backendAutoscaling";

/** The ceiling of maxReplicas: a guard against a typo (`1000` for `10`) that would let a service eat the cluster. */
export const MAX_AUTOSCALED_REPLICAS = 100;

const FIELDS = ["minReplicas", "maxReplicas", "targetCPUUtilization"] as const;

const ACCEPTED =
  'an object like {"minReplicas":2,"maxReplicas":6,"targetCPUUtilization":80} (targetCPUUtilization may be ' +
  "left out), or {} for a fixed replicas";

/** The service's autoscaling, or undefined when the setting is empty (the default). */
export function readAutoscaling(config: ConfigReader, key: AutoscalingKey): Autoscaling | undefined {
  const problems = config.problems;
  const raw = config.raw(key).trim();
  let parsed: unknown;
  try {
    parsed = raw === "" ? {} : JSON.parse(raw);
  } catch {
    problems.add(key, raw, ACCEPTED);
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.add(key, raw, ACCEPTED);
    return undefined;
  }
  const object = parsed as Record<string, unknown>;
  if (Object.keys(object).length === 0) return undefined;

  let valid = true;
  for (const field of Object.keys(object)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      problems.add(`${key}.${field}`, field, `a field of ${FIELDS.join(", ")}`);
      valid = false;
    }
  }
  // The stack file's YAML gives numbers, and so does `npm run pulumi -- config set --path key.field 2`: the CLI
  // turns a digits-only path value into a number (pulumi/pulumi sdk/go/common/resource/config/map.go Set, value.go
  // coerceObject). A quoted "2" in the stack file stays a string; it is taken too, as the number it spells.
  const whole = (field: (typeof FIELDS)[number], min: number, max: number, accepted: string) => {
    const value = object[field];
    const text = typeof value === "number" || typeof value === "string" ? String(value).trim() : undefined;
    const number = text !== undefined && /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      problems.add(`${key}.${field}`, value === undefined ? "" : JSON.stringify(value), accepted);
      valid = false;
      return undefined;
    }
    return number;
  };
  const range = `a whole number from 1 to ${MAX_AUTOSCALED_REPLICAS}`;
  const minReplicas = whole(
    "minReplicas",
    1,
    MAX_AUTOSCALED_REPLICAS,
    `${range} (required; the HPA never scales a service to zero)`,
  );
  const maxReplicas = whole(
    "maxReplicas",
    minReplicas ?? 1,
    MAX_AUTOSCALED_REPLICAS,
    minReplicas !== undefined
      ? `a whole number from minReplicas (${minReplicas}) to ${MAX_AUTOSCALED_REPLICAS} (required)`
      : `${range}, at least minReplicas (required)`,
  );
  const targetCPUUtilization =
    object.targetCPUUtilization === undefined
      ? DEFAULT_TARGET_CPU_UTILIZATION
      : whole(
          "targetCPUUtilization",
          1,
          100,
          "a whole number from 1 to 100: the average CPU use to aim at, in percent of the CPU request",
        );
  if (
    !valid ||
    minReplicas === undefined ||
    maxReplicas === undefined ||
    targetCPUUtilization === undefined
  ) {
    return undefined;
  }
  return { minReplicas, maxReplicas, targetCPUUtilization };
}
