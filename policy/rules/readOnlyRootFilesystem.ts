import { containersOf } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const readOnlyRootFilesystem = workloadPolicy({
  name: "read-only-root-filesystem",
  description:
    "Every container must set securityContext.readOnlyRootFilesystem: true, so an attacker cannot plant or alter " +
    "files in the image; writable paths are explicit emptyDir mounts.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      if (container.securityContext?.readOnlyRootFilesystem !== true) {
        report(`${label}: securityContext.readOnlyRootFilesystem must be true`);
      }
    }
  },
});
