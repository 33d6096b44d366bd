import { isRecord, records } from "../props";
import { containersOf } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

/** Secret-looking environment variable names: they must be fed from a Secret, never a literal. */
export function looksSecret(name: string): boolean {
  return /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|_KEY|DATABASE_URL|CREDENTIAL/i.test(name);
}

export const noLiteralSecretEnv = workloadPolicy({
  name: "no-literal-secret-env",
  description:
    "An environment variable whose name looks secret (SECRET, PASSWORD, TOKEN, API_KEY, _KEY, DATABASE_URL, " +
    "CREDENTIAL) must come from valueFrom.secretKeyRef, never a literal value: literals end up in the Deployment " +
    "object, `kubectl describe` and the Pulumi state in plain text.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      for (const [index, variable] of records(container.env).entries()) {
        if (typeof variable.name !== "string" || !looksSecret(variable.name)) {
          continue;
        }
        // The message names the variable but never echoes its value.
        const field = `env[${index}] "${variable.name}"`;
        if (variable.value !== undefined) {
          report(`${label}: ${field} must not set a literal value; use valueFrom.secretKeyRef`);
        } else if (!isRecord(variable.valueFrom?.secretKeyRef)) {
          report(`${label}: ${field} must come from valueFrom.secretKeyRef`);
        }
      }
    }
  },
});
