import { parseImage } from "../props";
import { containersOf } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const noLatestImage = workloadPolicy({
  name: "no-latest-image",
  description:
    'Every image must name an explicit tag or digest, and the tag must not be "latest": a moving tag makes a ' +
    "rollout or a rollback run code nobody reviewed.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      // An image built in the same stack is unknown during preview; it is checked again on `pulumi up`.
      if (typeof container.image !== "string") {
        continue;
      }
      const { tag, digest } = parseImage(container.image);
      if (digest !== undefined) {
        continue;
      }
      if (tag === undefined) {
        report(`${label}: image "${container.image}" must have an explicit tag or digest`);
      } else if (tag === "latest") {
        report(`${label}: image "${container.image}" must not use the "latest" tag`);
      }
    }
  },
});
