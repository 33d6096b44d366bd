import { isPinnedImage } from "../props";
import { containersOf } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

export const imagePullPolicyIfNotPresent = workloadPolicy({
  name: "image-pull-policy-if-not-present",
  description:
    "A container whose image is pinned (tag or digest) should use imagePullPolicy IfNotPresent (the Kubernetes " +
    "default for such images): the pinned image cannot change, Always only adds registry round-trips, and images " +
    "loaded straight into minikube cannot be pulled at all.",
  enforcementLevel: "advisory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      const policy = container.imagePullPolicy;
      if (typeof container.image === "string" && isPinnedImage(container.image) && policy !== undefined) {
        if (policy !== "IfNotPresent") {
          report(`${label}: imagePullPolicy should be IfNotPresent for the pinned image, got "${policy}"`);
        }
      }
    }
  },
});
