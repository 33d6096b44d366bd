/**
 * Noticing a recreated cluster: `npm run up` reads kube-system's UID, compares it with the stack's
 * `clusterIdentity` output, and on a new cluster rebuilds the images it finds in the stack's own state.
 */
import { describe, expect, it } from "vitest";

import { CLUSTER_ID_ENV, clusterIdentityOf, parseClusterIdentity } from "../../host/clusterIdentity";
import {
  compareClusterIdentity,
  liveClusterIdentity,
  newClusterMessage,
  prepareForCluster,
  resourcesToRebuild,
} from "../../scripts/lib/clusterIdentity";
import { findKubectl } from "../../scripts/lib/health";
import { DEFAULT_STACK } from "../support/stacks";
import { runProgram } from "../support/program";
import { fails, machine, ok } from "./stubs";

const OLD = "0b2c54e1-9d7f-4c1e-8a57-2f0c1d9e3b11";
const NEW = "7f3a9c20-1b4d-4e6f-9a8b-c0d1e2f3a4b5";

describe("the live cluster's identity", () => {
  it("is kube-system's UID, read with kubectl on the stack's explicit context", () => {
    const run = machine({
      "kubectl version --client": ok("Client Version: v1.31.0"),
      "kubectl --context minikube get namespace kube-system -o jsonpath={.metadata.uid} --request-timeout=10s":
        ok(`${NEW}\n`),
    });
    const k = findKubectl(run, { kubeContext: "minikube" })!;
    expect(liveClusterIdentity(k, run)).toBe(NEW);
  });

  it("is unknown when the cluster does not answer or prints something that is not a UID", () => {
    const down = machine({
      "kubectl version --client": ok("v1.31.0"),
      "kubectl --context minikube get namespace": fails(1, "", "The connection to the server was refused"),
    });
    expect(liveClusterIdentity(findKubectl(down, { kubeContext: "minikube" })!, down)).toBeUndefined();
    expect(parseClusterIdentity("<no value>")).toBeUndefined();
    expect(clusterIdentityOf({ [CLUSTER_ID_ENV]: ` ${NEW.toUpperCase()} ` })).toBe(NEW);
    expect(clusterIdentityOf({})).toBeUndefined();
  });
});

describe("comparing it with the stack's record", () => {
  it.each([
    [undefined, NEW, "unrecorded"],
    [NEW, NEW, "same"],
    [OLD, undefined, "unknown"],
    [OLD, NEW, "new"],
  ])("recorded %s, live %s: %s", (recorded, current, kind) => {
    expect(compareClusterIdentity(recorded, current).kind).toBe(kind);
  });

  it("says what it will do on a new cluster", () => {
    const change = compareClusterIdentity(OLD, NEW);
    if (change.kind !== "new") throw new Error("expected a new cluster");
    expect(newClusterMessage(change, 2)).toBe(
      `This is a new cluster (kube-system ${NEW}; the stack was deployed to ${OLD}): rebuilding 2 image ` +
        "resource(s) and recreating every Kubernetes object.",
    );
  });
});

describe("what a new cluster rebuilds", () => {
  it("is every image and image load in the stack's state, found by type, so nobody needs a URN", () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::todo-app::${type}::${name}`;
    const exported = {
      deployment: {
        resources: [
          { urn: urn("pulumi:pulumi:Stack", "todo-app-dev"), type: "pulumi:pulumi:Stack" },
          {
            urn: urn("todo:image:ServiceImage$docker:index/image:Image", "backend-image"),
            type: "docker:index/image:Image",
          },
          {
            urn: urn("todo:image:ServiceImage$command:local:Command", "backend-kind-load"),
            type: "command:local:Command",
          },
          {
            urn: urn("kubernetes:apps/v1:Deployment", "backend-deployment"),
            type: "kubernetes:apps/v1:Deployment",
          },
          { type: "docker:index/image:Image" },
        ],
      },
    };
    expect(resourcesToRebuild(exported)).toEqual([
      urn("todo:image:ServiceImage$docker:index/image:Image", "backend-image"),
      urn("todo:image:ServiceImage$command:local:Command", "backend-kind-load"),
    ]);
    expect(resourcesToRebuild({})).toEqual([]);
  });
});

describe("before an update", () => {
  const IMAGE =
    "urn:pulumi:dev::todo-app::todo:app:AppService$todo:image:ServiceImage$docker:index/image:Image::backend-image";
  const fakeStack = (recorded: string | undefined) => {
    const envVars: Record<string, string> = {};
    const stack = {
      workspace: { envVars },
      outputs: () => Promise.resolve(recorded ? { clusterIdentity: { value: recorded, secret: false } } : {}),
      exportStack: () =>
        Promise.resolve({
          version: 3,
          deployment: { resources: [{ urn: IMAGE, type: "docker:index/image:Image" }] },
        }),
    };
    return { stack: stack as unknown as Parameters<typeof prepareForCluster>[0], envVars };
  };
  const cluster = (uid: string) =>
    machine({
      "kubectl version --client": ok("v1.31.0"),
      "kubectl --context minikube get namespace kube-system": ok(uid),
    });

  it("on the same cluster passes the identity to the program and replaces nothing", async () => {
    const { stack, envVars } = fakeStack(NEW);
    const run = cluster(NEW);
    const lines: string[] = [];
    expect(
      await prepareForCluster(stack, findKubectl(run, { kubeContext: "minikube" }), run, (l) =>
        lines.push(l),
      ),
    ).toBeUndefined();
    expect(envVars).toEqual({ [CLUSTER_ID_ENV]: NEW });
    expect(lines.join("\n")).toContain("the one this stack was deployed to");
  });

  it("on a new cluster says so, rebuilds the images and lets unreachable deletes through", async () => {
    const { stack, envVars } = fakeStack(OLD);
    const run = cluster(NEW);
    const lines: string[] = [];
    expect(
      await prepareForCluster(stack, findKubectl(run, { kubeContext: "minikube" }), run, (l) =>
        lines.push(l),
      ),
    ).toEqual([IMAGE]);
    expect(envVars).toEqual({ [CLUSTER_ID_ENV]: NEW, PULUMI_K8S_DELETE_UNREACHABLE: "true" });
    expect(lines.join("\n")).toContain("This is a new cluster");
  });

  it("without kubectl keeps the recorded identity, replaces nothing and says a recreated cluster cannot be noticed", async () => {
    const { stack, envVars } = fakeStack(OLD);
    const lines: string[] = [];
    expect(await prepareForCluster(stack, undefined, machine({}), (l) => lines.push(l))).toBeUndefined();
    expect(envVars).toEqual({ [CLUSTER_ID_ENV]: OLD });
    expect(lines.join("\n")).toContain("cannot be noticed");
  });
});

describe("the program", () => {
  // A changed clusterIdentifier makes the provider's DiffConfig report a replacement (pulumi-kubernetes
  // provider/pkg/provider/provider.go, DiffConfig: diff.Updated(clusterIdentifierKey)), and the engine replaces
  // every resource whose provider reference changed (pulumi/pulumi pkg/resource/deploy/step_generator.go, diff:
  // "If the provider field changes ... ReplaceKeys: provider"): that is how a new cluster gets every object again.
  it("gives the Kubernetes provider the identity npm run up passed, and exports it", async () => {
    const run = await runProgram({ config: { ...DEFAULT_STACK }, env: { [CLUSTER_ID_ENV]: NEW } });
    expect(run.one("pulumi:providers:kubernetes", "k8s").inputs.clusterIdentifier).toBe(NEW);
    expect(run.outputs.clusterIdentity).toBe(NEW);
  });

  it("deletes every named object before replacing it, so a new cluster's objects survive the old provider's deletes", async () => {
    // On a provider replacement the engine does not ask the resource's provider to diff, and creates the
    // replacement first unless the resource's own deleteBeforeReplace says otherwise (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go, continueStepsFromDiff: `deleteBeforeReplace := diff.DeleteBeforeReplace`,
    // then the goal's option). The old provider, on the same context, would then delete the new object by name
    // (pulumi-kubernetes#4522).
    const run = await runProgram({ config: { ...DEFAULT_STACK }, env: { [CLUSTER_ID_ENV]: NEW } });
    const k8sObjects = run.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"),
    );
    const named = k8sObjects.filter((r) => typeof r.inputs.metadata?.name === "string");
    expect(named.length).toBeGreaterThan(10);
    for (const r of named) {
      expect(r.opts?.deleteBeforeReplace, `${r.type} ${r.name}`).toBe(true);
    }
    for (const r of k8sObjects.filter((o) => o.inputs.metadata && o.inputs.metadata.name === undefined)) {
      expect(r.opts?.deleteBeforeReplace, `${r.type} ${r.name} (auto-named)`).toBeFalsy();
    }
  });

  it("sets no identifier without one (a plain preview, the PR workflow), which pulumi-kubernetes never replaces on", async () => {
    // provider/pkg/provider/provider.go DiffConfig: only diff.Updated("clusterIdentifier") replaces; adding or
    // removing the identifier does not.
    const run = await runProgram({ config: { ...DEFAULT_STACK } });
    expect(run.one("pulumi:providers:kubernetes", "k8s").inputs.clusterIdentifier).toBeUndefined();
    expect(run.outputs.clusterIdentity).toBeUndefined();
  });
});
