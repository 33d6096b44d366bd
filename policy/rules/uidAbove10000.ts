import { isRecord } from "../props";
import { containersOf, type PodSecurityContext, type SecurityContext } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const uidAbove10000 = workloadPolicy({
  name: "uid-above-10000",
  description:
    "runAsUser and runAsGroup must be numeric and above 10000 (at pod level or on every container). A numeric ID " +
    "lets Kubernetes verify runAsNonRoot, and IDs above 10000 never collide with a host account that owns files.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    const spec = workload.podSpec;
    const podSc: PodSecurityContext = isRecord(spec?.securityContext) ? spec.securityContext : {};
    for (const { container, label } of containersOf(spec)) {
      const sc: SecurityContext = isRecord(container.securityContext) ? container.securityContext : {};
      for (const field of ["runAsUser", "runAsGroup"] as const) {
        const own = sc[field];
        const value: unknown = own ?? podSc[field];
        // An inherited bad value is reported once, at the pod level where it is set.
        const path =
          own !== undefined
            ? `${label}: securityContext.${field}`
            : `${workload.podSpecPath}.securityContext.${field}`;
        if (value === undefined) {
          report(
            `${label}: securityContext.${field} must be set to a number above 10000 ` +
              `(on the container or at ${workload.podSpecPath}.securityContext)`,
          );
        } else if (typeof value !== "number") {
          report(`${path} must be a number above 10000, got ${JSON.stringify(value)}`);
        } else if (value <= 10000) {
          report(`${path} must be above 10000, got ${value}`);
        }
      }
    }
  },
});
