/**
 * The targets of a one-service update (scripts/lib/dev/targets.ts). Why naming the AppService subtree with
 * `targetDependents` updates that service and nothing else, as pulumi/pulumi (mirror at HEAD 1b59498) does it:
 *
 * - sdk/nodejs/automation/stack.ts, up(): each `target` URN becomes `--target <urn>`, `targetDependents` becomes
 *   `--target-dependents`.
 * - pkg/resource/deploy/step_generator.go, generateSteps: a resource that is not targeted (`isIncludedInOperation`
 *   false; providers and the root stack are always included) gets its provider's Check stubbed to return the
 *   old inputs, and, having old state, a SameStep ("Planner decided not to update ... due to not being in target
 *   group (same)"): no Diff, no Update, its state kept even if its inputs changed. So the frontend is untouched
 *   although the program registered it again (with a freshly computed tag).
 * - the same file, isTargetedForUpdate: with `TargetDependents`, a resource is targeted when any of
 *   `GetAllDependencies()` is in `targetsActual`; pkg/resource/state.go GetAllDependencies lists the parent first,
 *   then dependencies, property dependencies, deletedWith and replaceWith. Targeted resources are added to
 *   `targetsActual` in registration order, so the children of a targeted component are targeted, and so is a
 *   child the state does not hold yet (the first load Command after a switch to kind).
 * - the same file, a new resource that is not targeted gets a SkippedCreateStep (never created), and a targeted
 *   resource that depends on one fails with "untargeted create": which `targetDependents` avoids for the
 *   service's own new children.
 * - URNs: sdk/go/common/resource/urn/urn.go New and pkg/resource/deploy/deployment.go generateURN (the fixtures'
 *   `urn`): the name is the last `::` field, the type field the parent's whole type chain joined by `$`.
 */
import { describe, expect, it } from "vitest";

import { serviceOfUrn, serviceTargets, stateResources, urnName } from "../../../scripts/lib/dev/targets";
import { deployedState, urn } from "./fixtures";

describe("serviceTargets", () => {
  it("names the backend's AppService and everything below it, nothing of the frontend or the environment", () => {
    const state = deployedState();
    const { targets, missing } = serviceTargets(state, ["backend"]);
    expect(missing).toEqual([]);
    expect(targets).toEqual([
      urn(["todo:app:AppService"], "backend"),
      urn(["todo:app:AppService", "todo:image:ServiceImage"], "backend"),
      urn(["todo:app:AppService", "todo:image:ServiceImage", "docker:index/image:Image"], "backend-image"),
      urn(["todo:app:AppService", "kubernetes:apps/v1:Deployment"], "backend-deployment"),
      urn(["todo:app:AppService", "kubernetes:core/v1:Service"], "backend-service"),
      urn(["todo:app:AppService", "kubernetes:policy/v1:PodDisruptionBudget"], "backend-pdb"),
      urn(["todo:app:AppService", "kubernetes:networking.k8s.io/v1:NetworkPolicy"], "backend-ingress"),
      urn(["todo:app:AppService", "kubernetes:networking.k8s.io/v1:NetworkPolicy"], "backend-egress"),
    ]);
    expect(targets.some((t) => urnName(t).startsWith("frontend"))).toBe(false);
  });

  it("includes the image load of a kind or containerd cluster, and both services when both changed", () => {
    const state = deployedState({ load: true });
    const { targets } = serviceTargets(state, ["frontend"]);
    expect(targets).toContain(
      urn(["todo:app:AppService", "todo:image:ServiceImage", "command:local:Command"], "frontend-kind-load"),
    );
    const both = serviceTargets(state, ["backend", "frontend"]).targets;
    expect(both).toHaveLength(2 * 9);
    expect(both).not.toContain(urn(["todo:app:AppEnvironment"], "app"));
  });

  it("says which service the state does not hold, so the cycle runs a full update instead", () => {
    const state = deployedState().filter((r) => !urnName(r.urn).startsWith("frontend"));
    expect(serviceTargets(state, ["frontend", "backend"]).missing).toEqual(["frontend"]);
    expect(serviceTargets([], ["backend"])).toEqual({ targets: [], missing: ["backend"] });
  });
});

describe("the stack's exported state", () => {
  it("reads urn, type and parent of each resource and tolerates an empty stack", () => {
    const exported = {
      version: 3,
      deployment: {
        manifest: {},
        resources: [
          {
            urn: "urn:pulumi:dev::todo-app::pulumi:pulumi:Stack::todo-app-dev",
            type: "pulumi:pulumi:Stack",
            custom: false,
          },
          {
            urn: "urn:pulumi:dev::todo-app::todo:app:AppService::backend",
            type: "todo:app:AppService",
            parent: "urn:pulumi:dev::todo-app::pulumi:pulumi:Stack::todo-app-dev",
            outputs: { imageRef: "todo-backend:c-0123456789abcdef" },
          },
        ],
      },
    };
    expect(stateResources(exported)).toEqual([
      { urn: "urn:pulumi:dev::todo-app::pulumi:pulumi:Stack::todo-app-dev", type: "pulumi:pulumi:Stack" },
      {
        urn: "urn:pulumi:dev::todo-app::todo:app:AppService::backend",
        type: "todo:app:AppService",
        parent: "urn:pulumi:dev::todo-app::pulumi:pulumi:Stack::todo-app-dev",
      },
    ]);
    expect(stateResources({ deployment: {} })).toEqual([]);
    expect(stateResources({})).toEqual([]);
  });

  it("maps a step's URN to its service by the components' `${name}-<role>` names", () => {
    const image = urn(
      ["todo:app:AppService", "todo:image:ServiceImage", "docker:index/image:Image"],
      "backend-image",
    );
    expect(serviceOfUrn(image, ["backend", "frontend"])).toBe("backend");
    expect(serviceOfUrn(urn(["todo:app:AppEnvironment"], "app"), ["backend", "frontend"])).toBeUndefined();
    expect(urnName("urn:pulumi:dev::todo-app::a:b:C::name::with::colons")).toBe("name::with::colons");
  });
});
