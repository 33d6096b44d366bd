/**
 * The policy pack passes on the program's own resources: every rule, mandatory and advisory, run against
 * what a default stack and a stack with every option would register (secrets unwrapped, as the engine
 * hands them to the analyzer).
 */
import { describe, expect, it } from "vitest";

import { policies } from "../../policy/rules";
import { FakeResource, runResourcePolicy, runStackPolicy } from "../../policy/testing";
import { ProgramRun, runProgram, unwrapDeep } from "../support/program";
import { CLOUD_STACK, EXTERNAL_DATABASE_STACK, STACKS } from "../support/stacks";

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
  it.each(Object.entries(STACKS))("finds no violation in %s", async (_name, config) => {
    const run = await runProgram({ config: { ...config } });
    expect(await violations(run)).toEqual([]);
  });

  it("is a real check: it flags a Deployment whose container may escalate privileges", async () => {
    const run = await runProgram({ config: { ...EXTERNAL_DATABASE_STACK } });
    const deployment = run.resources.find((r) => r.name === "backend-deployment")!;
    deployment.inputs.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    expect((await violations(run)).join("\n")).toMatch(/allowPrivilegeEscalation/);
  });

  it("is a real check on the cloud stack: a NodePort, a tag instead of the digest, replicas beside an HPA", async () => {
    const run = await runProgram({ config: { ...CLOUD_STACK } });
    const named = (name: string) => run.resources.find((r) => r.name === name)!;
    named("frontend-service").inputs.spec.type = "NodePort";
    const backend = named("backend-deployment").inputs.spec;
    backend.template.spec.containers[0].image = "ghcr.io/acme/todo-backend:c-0123456789abcdef";
    backend.replicas = 2;
    const found = (await violations(run)).map((v) => v.split(/[ :]/)[0]);
    expect(found).toEqual(
      expect.arrayContaining(["no-node-port-with-ingress", "app-images-by-digest", "hpa-owns-replicas"]),
    );
    expect(found).toHaveLength(3);
  });
});
