import { isRecord } from "../props";
import { containersOf } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const resourcesRequired = workloadPolicy({
  name: "resources-required",
  description:
    "Every container must request and limit cpu and memory, so the scheduler can place it and one runaway pod " +
    "cannot starve its neighbours.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    // Ephemeral containers cannot declare resources, so only app and init containers are checked.
    for (const { container, label, group } of containersOf(workload.podSpec)) {
      if (group === "ephemeralContainers") {
        continue;
      }
      for (const kind of ["requests", "limits"] as const) {
        const values: Record<string, unknown> = isRecord(container.resources?.[kind])
          ? container.resources[kind]
          : {};
        for (const resource of ["cpu", "memory"]) {
          const value = values[resource];
          if (value === undefined || value === null || value === "") {
            report(`${label}: resources.${kind}.${resource} is required`);
          }
        }
      }
    }
  },
});
