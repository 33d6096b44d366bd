/**
 * `npm run down` of a stack that holds nothing (never deployed, or destroyed already): nothing to destroy, so no
 * cluster is needed. scripts/lib/session.ts then requires no minikube, Docker or kubectl and starts nothing.
 */
import { describe, expect, it } from "vitest";

import { destroyNothing, holdsNothing, stateResources } from "../../scripts/lib/teardown";

const U = "urn:pulumi:dev::todo-app::";
const ROOT = { urn: `${U}pulumi:pulumi:Stack::todo-app-dev`, type: "pulumi:pulumi:Stack" };

/** What `pulumi stack export` prints for a stack that was created and never updated (Pulumi CLI 3.260). */
const NEVER_DEPLOYED = {
  version: 3,
  deployment: {
    manifest: { time: "2026-12-08T03:58:32Z", magic: "7dff0d16", version: "v3.260.0" },
    secrets_providers: { type: "passphrase", state: { salt: "v1:..." } },
    metadata: {},
  },
};

function fakeStack() {
  const destroys: unknown[] = [];
  return {
    destroys,
    stack: {
      destroy: (options: unknown) => {
        destroys.push(options);
        return Promise.resolve({});
      },
    },
  };
}
const output = { onOutput: () => undefined, color: "never" as const };

describe("a stack that holds nothing", () => {
  it("is one never deployed, one destroyed already, or one with only its root Stack resource", () => {
    expect(holdsNothing(stateResources(NEVER_DEPLOYED))).toBe(true);
    expect(holdsNothing(stateResources({ deployment: { resources: [] } }))).toBe(true);
    expect(holdsNothing(stateResources({ deployment: { resources: [ROOT] } }))).toBe(true);
  });

  it("is not one with a provider or any object left, which down must reach its cluster for", () => {
    const provider = { urn: `${U}pulumi:providers:kubernetes::k8s`, type: "pulumi:providers:kubernetes" };
    const namespace = { urn: `${U}kubernetes:core/v1:Namespace::ns`, type: "kubernetes:core/v1:Namespace" };
    expect(holdsNothing([ROOT, provider])).toBe(false);
    expect(holdsNothing([namespace])).toBe(false);
  });

  it("is told there is nothing to destroy, without a destroy, and how to remove the stack", async () => {
    const { stack, destroys } = fakeStack();
    const report = await destroyNothing(stack, "dev", output, stateResources(NEVER_DEPLOYED));
    expect(destroys).toEqual([]);
    expect(report.join("\n")).toMatch(/^Stack "dev" has nothing deployed: there is nothing to destroy\./);
    expect(report.join("\n")).toContain("npm run pulumi -- stack rm --preserve-config dev");
  });

  it("has a leftover root Stack resource cleared, so that `stack rm` accepts it afterwards", async () => {
    const { stack, destroys } = fakeStack();
    await destroyNothing(stack, "dev", output, [ROOT]);
    expect(destroys).toEqual([output]);
  });
});
