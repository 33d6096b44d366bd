/**
 * The policy pack passes on the program's own resources: every rule, mandatory and advisory, run against
 * what a default stack and a stack with every option would register (secrets unwrapped, as the engine
 * hands them to the analyzer).
 */
import { describe, expect, it } from "vitest";

import { policies } from "../policy/rules";
import { FakeResource, runResourcePolicy, runStackPolicy } from "../policy/testing";
import { DATABASE_URL, ProgramRun, runProgram, unwrapDeep } from "./support/program";

async function violations(run: ProgramRun): Promise<string[]> {
  const resources: FakeResource[] = run.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r) => ({ type: r.type, name: r.name, props: unwrapDeep(r.inputs) as object }));
  const found: string[] = [];
  for (const policy of policies) {
    if ("validateResource" in policy) {
      for (const resource of resources) {
        const outcome = await runResourcePolicy(policy, resource);
        found.push(
          ...outcome.violations.map((v) => `${policy.name} ${resource.type} ${resource.name}: ${v}`),
        );
      }
    } else {
      const stackViolations = await runStackPolicy(policy, resources);
      found.push(...stackViolations.map((v) => `${policy.name}: ${v.message}`));
    }
  }
  return found;
}

describe("policy pack on the program's own resources", () => {
  it("finds no violation in a default stack (in-cluster PostgreSQL included)", async () => {
    const run = await runProgram({ config: {} });
    expect(run.byType("kubernetes:apps/v1:StatefulSet")).toHaveLength(1);
    expect(await violations(run)).toEqual([]);
  });

  it("finds no violation in a stack with an external database", async () => {
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    expect(await violations(run)).toEqual([]);
  });

  it("finds no violation in a stack with every option on", async () => {
    const run = await runProgram({
      config: {
        databaseUrl: DATABASE_URL,
        cohereApiKey: "co-key",
        replicas: "3",
        frontendNodePort: "0",
        kubeContext: "gke_acme_prod",
        registryServer: "ghcr.io/acme",
        registryUsername: "bot",
        registryPassword: "token",
      },
    });
    expect(await violations(run)).toEqual([]);
  });

  it("is a real check: it flags a Deployment whose container may escalate privileges", async () => {
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    const deployment = run.resources.find((r) => r.name === "backend-deployment")!;
    deployment.inputs.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    expect((await violations(run)).join("\n")).toMatch(/allowPrivilegeEscalation/);
  });
});
