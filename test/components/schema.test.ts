/**
 * Every Kubernetes object the program registers validates against the Kubernetes OpenAPI schema, for the
 * default stack and for a stack with every option on. The validators are those `kubernetes-models` generates
 * from the upstream OpenAPI spec (types, required fields, formats); typos in field names are caught earlier,
 * by tsc's excess-property checks on the SDK's input types.
 */
import { describe, expect, it } from "vitest";

import { ProgramRun, runProgram, unwrapDeep } from "../support/program";
import { DEFAULT_STACK, STACKS } from "../support/stacks";

interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

/** `kubernetes:apps/v1:Deployment` -> the kubernetes-models class for apps/v1 Deployment. */
export function modelFor(type: string): ModelClass {
  const match = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
  if (!match) throw new Error(`not a Kubernetes type token: ${type}`);
  const [, group, version, token] = match;
  // A Patch resource (e.g. NamespacePatch) carries the object of the same kind.
  const kind = token.replace(/Patch$/, "");
  const modulePath =
    group === "core"
      ? `kubernetes-models/${version}/${kind}`
      : `kubernetes-models/${group}/${version}/${kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(modulePath) as Record<string, ModelClass>;
  return module[kind];
}

export function validateAll(run: ProgramRun): string[] {
  const failures: string[] = [];
  for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
    const Model = modelFor(resource.type);
    try {
      new Model(unwrapDeep(resource.inputs) as object).validate();
    } catch (error) {
      failures.push(`${resource.type} ${resource.name}: ${(error as Error).message}`);
    }
  }
  return failures;
}

describe("Kubernetes schema", () => {
  it.each(Object.entries(STACKS))("accepts every object of %s", async (_name, config) => {
    const run = await runProgram({ config: { ...config } });
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThanOrEqual(10);
    expect(validateAll(run)).toEqual([]);
  });

  it("covers the in-cluster database's objects in the default stack", async () => {
    const run = await runProgram({ config: { ...DEFAULT_STACK } });
    expect(run.byType("kubernetes:apps/v1:StatefulSet")).toHaveLength(1);
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThanOrEqual(14);
  });

  it("is a real check: a Deployment with replicas as a string is rejected", () => {
    const Deployment = modelFor("kubernetes:apps/v1:Deployment");
    expect(() => new Deployment({ metadata: { name: "x" }, spec: { replicas: "2" } }).validate()).toThrow(
      /replicas must be integer/,
    );
  });
});
