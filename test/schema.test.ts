/**
 * Every Kubernetes object the program registers validates against the Kubernetes OpenAPI schema, for the
 * default stack and for a stack with every option on. The validators are those `kubernetes-models` generates
 * from the upstream OpenAPI spec (types, required fields, formats); typos in field names are caught earlier,
 * by tsc's excess-property checks on the SDK's input types.
 */
import { describe, expect, it } from "vitest";

import { DATABASE_URL, ProgramRun, runProgram, unwrapDeep } from "./support/program";

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
  it("accepts every object of a default stack (no configuration: in-cluster PostgreSQL)", async () => {
    const run = await runProgram({ config: {} });
    expect(run.byType("kubernetes:apps/v1:StatefulSet")).toHaveLength(1);
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThanOrEqual(14);
    expect(validateAll(run)).toEqual([]);
  });

  it("accepts every object of a stack with an external database", async () => {
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    expect(validateAll(run)).toEqual([]);
  });

  it("accepts every object of a stack with every option on", async () => {
    const run = await runProgram({
      config: {
        cohereApiKey: "co-key",
        postgresStorageSize: "5Gi",
        postgresStorageClass: "fast-ssd",
        postgresResources: JSON.stringify({ limits: { memory: "1Gi" } }),
        betterAuthSecret: "s".repeat(40),
        kubeContext: "gke_acme_prod",
        namespace: "todo-prod",
        replicas: "5",
        logLevel: "warning",
        frontendNodePort: "0",
        frontendUrl: "https://todo.example.com",
        registryServer: "ghcr.io/acme",
        registryUsername: "bot",
        registryPassword: "ghp_x",
        backendResources: JSON.stringify({
          requests: { cpu: "250m", memory: "256Mi" },
          limits: { cpu: "1", memory: "1Gi" },
        }),
        frontendResources: JSON.stringify({ limits: { memory: "1Gi" } }),
      },
    });
    expect(validateAll(run)).toEqual([]);
  });

  it("is a real check: a Deployment with replicas as a string is rejected", () => {
    const Deployment = modelFor("kubernetes:apps/v1:Deployment");
    expect(() => new Deployment({ metadata: { name: "x" }, spec: { replicas: "2" } }).validate()).toThrow(
      /replicas must be integer/,
    );
  });
});
