import { deepEqual, isRecord } from "../props";
import { containersOf, type Container } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const probesRequired = workloadPolicy({
  name: "probes-required",
  description:
    "Every long-running container (not Jobs or CronJobs) needs a startupProbe, a readinessProbe and a livenessProbe, " +
    "and readiness must differ from liveness: otherwise a slow dependency restarts healthy containers instead of " +
    "just taking them out of the Service.",
  enforcementLevel: "mandatory",
  appliesTo: (workload) => workload.longRunning,
  check: (workload, report) => {
    for (const { container, label, group, sidecar } of containersOf(workload.podSpec)) {
      // Init containers finish before the app starts (and cannot have probes) unless they are native sidecars.
      if (group === "ephemeralContainers" || (group === "initContainers" && !sidecar)) {
        continue;
      }
      const probes = container as Container;
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        if (!isRecord(probes[probe])) {
          report(`${label}: ${probe} is required`);
        }
      }
      if (
        isRecord(probes.readinessProbe) &&
        isRecord(probes.livenessProbe) &&
        deepEqual(probes.readinessProbe, probes.livenessProbe)
      ) {
        report(
          `${label}: readinessProbe and livenessProbe must differ (use a different path or thresholds: readiness ` +
            "may depend on the database, liveness must not)",
        );
      }
    }
  },
});
