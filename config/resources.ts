/**
 * CPU and memory for each container: defaults sized for a laptop minikube (2 CPUs, 4 GiB shared by the
 * whole cluster), overridable per service by an object in stack config, validated before anything deploys.
 */
import { type Resources, quantityProblem, quantityValue } from "../k8s/resources";
import { ConfigProblems } from "./problems";

/**
 * Requests are what the scheduler reserves (kept small so two replicas of each service and PostgreSQL fit
 * a default `minikube start`); limits cap a runaway process. Next.js needs more memory than uvicorn.
 */
export const DEFAULT_RESOURCES = {
  backend: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  frontend: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "384Mi" } },
  database: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
} as const satisfies Record<string, Resources>;

/**
 * Merges a user's partial override (the parsed JSON of `backendResources`, say) over the defaults and
 * checks every quantity and that no request exceeds its limit.
 */
export function parseResources(
  problems: ConfigProblems,
  key: string,
  raw: string | undefined,
  defaults: Resources,
): Resources {
  const result: Resources = {
    requests: { ...defaults.requests },
    limits: { ...defaults.limits },
  };
  if (raw === undefined || raw.trim() === "" || raw.trim() === "{}") {
    return result;
  }
  const accepted =
    'an object like {"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}} ' +
    "(any part may be left out)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.add(key, raw, accepted);
    return result;
  }
  if (!isPlainObject(parsed)) {
    problems.add(key, raw, accepted);
    return result;
  }
  for (const [section, value] of Object.entries(parsed)) {
    if (section !== "requests" && section !== "limits") {
      problems.add(`${key}.${section}`, JSON.stringify(value), "only requests and limits can be set");
      continue;
    }
    if (!isPlainObject(value)) {
      problems.add(`${key}.${section}`, JSON.stringify(value), "an object with cpu and/or memory");
      continue;
    }
    for (const [resource, quantity] of Object.entries(value)) {
      if (resource !== "cpu" && resource !== "memory") {
        problems.add(`${key}.${section}.${resource}`, String(quantity), "only cpu and memory can be set");
      } else if (typeof quantity !== "string" || quantityProblem(resource, quantity) !== undefined) {
        const why = typeof quantity === "string" ? quantityProblem(resource, quantity) : "it is not a string";
        problems.add(
          `${key}.${section}.${resource}`,
          String(quantity),
          `a non-negative Kubernetes quantity as a string (${why}), e.g. "250m", "1" or "1e3" for cpu, ` +
            '"256Mi" or "1Gi" for memory',
        );
      } else {
        result[section][resource] = quantity;
      }
    }
  }
  for (const resource of ["cpu", "memory"] as const) {
    const request = result.requests[resource];
    const limit = result.limits[resource];
    if (quantityValue(request) > quantityValue(limit)) {
      problems.add(
        `${key}.requests.${resource}`,
        request,
        `a request may not exceed its limit (limits.${resource} is ${limit})`,
      );
    }
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
