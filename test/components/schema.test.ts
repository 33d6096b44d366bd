/**
 * Every Kubernetes object the program registers validates against the Kubernetes OpenAPI schema, for the
 * default stack and for a stack with every option on. The validators are those `kubernetes-models` generates
 * from the upstream OpenAPI spec (types, required fields, formats); typos in field names are caught earlier,
 * by tsc's excess-property checks on the SDK's input types.
 */
import { describe, expect, it } from "vitest";

import { ProgramRun, runProgram, unwrapDeep } from "../support/program";
import { CLOUD_EXPOSED_BACKEND_STACK, DEFAULT_STACK, STACKS } from "../support/stacks";

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

  it("covers the cloud objects in the cloud stack: the Ingress, both HPAs, the ACME solver's NetworkPolicy", async () => {
    const run = await runProgram({ config: { ...CLOUD_EXPOSED_BACKEND_STACK } });
    expect(run.byType("kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(1);
    expect(run.byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toHaveLength(2);
    expect(run.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-acme-solver")).toBeDefined();
    expect(validateAll(run)).toEqual([]);
  });

  it("is a real check for them too: an Ingress path without a pathType, an HPA without maxReplicas", () => {
    const Ingress = modelFor("kubernetes:networking.k8s.io/v1:Ingress");
    const rules = [
      { host: "x.example.com", http: { paths: [{ path: "/", backend: { service: { name: "x" } } }] } },
    ];
    expect(() => new Ingress({ metadata: { name: "x" }, spec: { rules } }).validate()).toThrow(/pathType/);
    const Hpa = modelFor("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    const scaleTargetRef = { apiVersion: "apps/v1", kind: "Deployment", name: "x" };
    expect(() => new Hpa({ metadata: { name: "x" }, spec: { scaleTargetRef } }).validate()).toThrow(
      /maxReplicas/,
    );
  });

  it("is a real check: a Deployment with replicas as a string is rejected", () => {
    const Deployment = modelFor("kubernetes:apps/v1:Deployment");
    expect(() => new Deployment({ metadata: { name: "x" }, spec: { replicas: "2" } }).validate()).toThrow(
      /replicas must be integer/,
    );
  });
});
