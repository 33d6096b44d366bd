import { workloadPolicy } from "../workloadPolicy";

export const noServiceAccountToken = workloadPolicy({
  name: "no-service-account-token",
  description:
    "Pod specs must set automountServiceAccountToken: false. The app never calls the Kubernetes API, so a mounted " +
    "token would only be a credential for an attacker.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    if (workload.podSpec?.automountServiceAccountToken !== false) {
      report(`${workload.podSpecPath}.automountServiceAccountToken must be false`);
    }
  },
});
