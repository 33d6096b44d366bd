/**
 * One cycle (scripts/lib/dev/cycle.ts) on a real temporary copy of the reference app, with the real content
 * hash and a stubbed update that emits engine events as sdk/nodejs/automation/events.ts shapes them.
 *
 * What the failure handling rests on:
 * - pulumi-docker provider/image.go: the build's output reaches the engine through `host.LogStatus` on the
 *   Image's URN (processLog: one status line per message) and a failed build returns an error (processLogLine:
 *   `jm.Error.Message`), which the engine reports as an error diagnostic on that URN and a failed step.
 * - pulumi-kubernetes provider/pkg/await/await.go Update (and Creation): after the apply, the provider waits in
 *   the step for the object's ready condition (deployment.go: the new ReplicaSet available, Progressing with
 *   NewReplicaSetAvailable), so the Deployment step is the rollout, and a rollout that never becomes ready fails
 *   that step, with a timeout from `pulumi.com/timeoutSeconds`.
 * - Secrets in diagnostics: pulumi/pulumi pkg/engine/events.go replaces every secret config value of the stack
 *   with "[secret]" in each diagnostic (AddGlobalSecretFilter, then FilterString in diagEvent); values made at
 *   run time (the generated database password inside DATABASE_URL) are not in that filter, so the cycle also
 *   masks URL credentials (config/validate.ts redactUrlCredentials) in every line it shows.
 */
import * as fs from "fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { InterruptedError } from "../../../scripts/lib/interrupt";
import {
  type CycleDeps,
  type UpdateRequest,
  contentTag,
  createCycle,
  tagOfReference,
} from "../../../scripts/lib/dev/cycle";
import { serviceTargets } from "../../../scripts/lib/dev/targets";
import { cycleLines } from "../../../scripts/lib/dev/timing";
import type { ChangeBatch, DevService } from "../../../scripts/lib/dev/types";
import { type TempProject, deployedState, engineEvents as ev, tempProject, urn } from "./fixtures";

const APP = "todo:app:AppService";
const IMAGE_TYPE = "docker:index/image:Image";
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";
const imageUrn = (s: DevService) => urn([APP, "todo:image:ServiceImage", IMAGE_TYPE], `${s}-image`);
const deploymentUrn = (s: DevService) => urn([APP, DEPLOYMENT_TYPE], `${s}-deployment`);

describe("a cycle", () => {
  let project: TempProject;
  let clock: number;
  let requests: UpdateRequest[];
  let diagnosed: DevService[];
  let notes: string[];
  let initial: Map<DevService, string>;

  /** A cycle whose update runs `script` (emitting events, moving the clock), recording each request. */
  const cycleWith = (
    script: (request: UpdateRequest) => Promise<void> | void,
    overrides: Partial<CycleDeps> = {},
  ) =>
    createCycle({
      images: project.images,
      deployed: initial,
      readState: () => Promise.resolve(deployedState()),
      update: async (request) => {
        requests.push(request);
        await script(request);
      },
      diagnoseRollout: (service) => {
        diagnosed.push(service);
        return Promise.resolve([
          `Warning  BackOff  pod/${service}-abc  Back-off restarting failed container`,
        ]);
      },
      note: (line) => notes.push(line),
      now: () => clock,
      ...overrides,
    });

  const batchOf = (services: DevService[], program = false): ChangeBatch => ({
    services: new Set(services),
    program,
    files: [],
    savedAt: clock - 150,
    detectedAt: clock - 20,
  });

  /** A successful build and rollout of `service`: build 8.9 s, rollout 2.3 s, 1.1 s of the rest around them. */
  const buildAndRoll = (service: DevService) => (request: UpdateRequest) => {
    clock += 600;
    request.onEvent(ev.pre(imageUrn(service), IMAGE_TYPE));
    clock += 8900;
    request.onEvent(ev.outputs(imageUrn(service), IMAGE_TYPE));
    request.onEvent(ev.pre(deploymentUrn(service), DEPLOYMENT_TYPE));
    clock += 2300;
    request.onEvent(ev.outputs(deploymentUrn(service), DEPLOYMENT_TYPE));
    clock += 500;
  };

  beforeEach(() => {
    project = tempProject();
    clock = 1_700_000_000_000;
    requests = [];
    diagnosed = [];
    notes = [];
    initial = new Map(project.images.map((image) => [image.service, contentTag(image)]));
  });
  afterEach(() => project.remove());

  it("rebuilds only the changed backend: a targeted update of the backend's URNs, and records its new tag", async () => {
    const cycle = cycleWith(buildAndRoll("backend"));
    project.write("app/backend/todo_api/main.py", "print('new')\n");
    const result = await cycle.run(batchOf(["backend"]));
    expect(result.outcome).toEqual({ kind: "deployed", services: ["backend"], full: false });
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toEqual(serviceTargets(deployedState(), ["backend"]).targets);
    expect(requests[0].targets!.every((t) => t.includes("::backend"))).toBe(true);
    const after = cycle.deployed();
    expect(after.get("backend")).toBe(contentTag(project.images[0]));
    expect(after.get("backend")).not.toBe(initial.get("backend"));
    expect(after.get("frontend")).toBe(initial.get("frontend"));
  });

  it("takes build, rollout and the rest of the update from the events' times, and detect from the batch", async () => {
    const cycle = cycleWith(buildAndRoll("backend"));
    project.write("app/backend/todo_api/main.py", "print('new')\n");
    const { timings } = await cycle.run(batchOf(["backend"]));
    expect(timings.detect).toBe(130);
    expect(timings.queued).toBe(20);
    expect(timings.hash).toBe(0); // the fake clock does not move while hashing
    expect(timings.build).toBe(8900);
    expect(timings.rollout).toBe(2300);
    expect(timings.update).toBe(1100);
    expect(timings.total).toBe(150 + 600 + 8900 + 2300 + 500);
    const [line] = cycleLines(
      await cycleWith(buildAndRoll("backend")).run(batchOf(["backend"])),
      initial,
      cycle.deployed(),
    );
    expect(line).toMatch(
      /^backend: ready in 12\.4s \(detect 0\.13s, queued 0\.02s, hash 0\.00s, build 8\.9s, update 1\.1s, rollout 2\.3s\) todo-backend:c-[0-9a-f]{16}$/,
    );
  });

  it("runs nothing when the saved files hash to the deployed tag", async () => {
    const cycle = cycleWith(buildAndRoll("backend"));
    const result = await cycle.run(batchOf(["backend"]));
    expect(result.outcome).toEqual({ kind: "unchanged", services: ["backend"] });
    expect(requests).toEqual([]);
    expect(cycleLines(result, initial, cycle.deployed())[0]).toContain("nothing was built");
  });

  it("runs a full update (no targets) for a program change, and records every image's tag", async () => {
    const cycle = cycleWith(() => {
      clock += 5000;
    });
    project.write("app/frontend/lib/new.ts", "export const x = 1;\n");
    const result = await cycle.run(batchOf([], true));
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toBeUndefined();
    expect(result.outcome).toEqual({ kind: "deployed", services: ["frontend"], full: true });
    expect(cycle.deployed().get("frontend")).toBe(contentTag(project.images[1]));
    // Even with nothing of an image changed, the program's change is deployed.
    await cycle.run(batchOf([], true));
    expect(requests).toHaveLength(2);
  });

  it("falls back to a full update, saying why, when the state has no AppService for the service", async () => {
    const cycle = cycleWith(() => undefined, { readState: () => Promise.resolve([]) });
    project.write("app/backend/todo_api/main.py", "print('new')\n");
    const result = await cycle.run(batchOf(["backend"]));
    expect(requests[0].targets).toBeUndefined();
    expect(result.outcome).toMatchObject({ kind: "deployed", full: true });
    expect(notes).toEqual(['The stack\'s state has no AppService "backend": running a full update instead.']);
  });

  it("on a failed build shows the build's last 20 lines, credentials masked, keeps the old tag and builds again", async () => {
    const output = Array.from({ length: 25 }, (_, i) => `#${i} step ${i}`);
    const cycle = cycleWith((request) => {
      request.onEvent(ev.pre(imageUrn("backend"), IMAGE_TYPE));
      for (const line of output) request.onEvent(ev.diag(imageUrn("backend"), `${line}\n`));
      request.onEvent(
        ev.diag(imageUrn("backend"), "pip: fetching postgres://todo:s3cr3t@db.internal/todo\n"),
      );
      request.onEvent(ev.diag(undefined, "an unrelated line of another resource\n"));
      request.onEvent(
        ev.diag(
          imageUrn("backend"),
          "<{%fg 1%}>error: ERROR: failed to solve: process did not complete<{%reset%}>\n",
          "error",
        ),
      );
      clock += 3200;
      request.onEvent(ev.failed(imageUrn("backend"), IMAGE_TYPE));
      throw new Error("update failed");
    });
    project.write("app/backend/todo_api/main.py", "print('broken')\n");
    const result = await cycle.run(batchOf(["backend"]));
    expect(result.outcome.kind).toBe("failed");
    if (result.outcome.kind !== "failed") return;
    expect(result.outcome.phase).toBe("build");
    expect(result.outcome.detail).toHaveLength(20);
    expect(result.outcome.detail.at(-1)).toBe("error: ERROR: failed to solve: process did not complete");
    expect(result.outcome.detail).toContain("pip: fetching postgres://****@db.internal/todo");
    expect(result.outcome.detail.join("\n")).not.toContain("s3cr3t");
    expect(result.outcome.detail).not.toContain("an unrelated line of another resource");
    expect(result.timings.build).toBe(3200);
    expect(cycle.deployed()).toEqual(initial);
    const [line] = cycleLines(result, initial, cycle.deployed());
    expect(line).toContain("backend: build failed after");
    expect(line).toContain(`still serves todo-backend:${initial.get("backend")}`);

    // The next save of the same content builds again: the failed tag was never recorded as deployed.
    const again = await cycle.run(batchOf(["backend"]));
    expect(requests).toHaveLength(2);
    expect(again.outcome.kind).toBe("failed");
  });

  it("on a rollout that does not become ready shows the provider's error and the failing pods", async () => {
    const cycle = cycleWith((request) => {
      request.onEvent(ev.pre(imageUrn("backend"), IMAGE_TYPE));
      request.onEvent(ev.outputs(imageUrn("backend"), IMAGE_TYPE));
      request.onEvent(ev.pre(deploymentUrn("backend"), DEPLOYMENT_TYPE));
      clock += 60_000;
      request.onEvent(
        ev.diag(
          deploymentUrn("backend"),
          'error: 1 error occurred:\n\t* the Kubernetes API server reported that "todo-backend" failed to fully initialize\n',
          "error",
        ),
      );
      request.onEvent(ev.failed(deploymentUrn("backend"), DEPLOYMENT_TYPE));
      throw new Error("update failed");
    });
    project.write("app/backend/todo_api/main.py", "raise SystemExit(1)\n");
    const result = await cycle.run(batchOf(["backend"]));
    expect(result.outcome).toMatchObject({ kind: "failed", phase: "rollout", services: ["backend"] });
    expect(diagnosed).toEqual(["backend"]);
    if (result.outcome.kind !== "failed") return;
    expect(result.outcome.detail).toEqual([
      "error: 1 error occurred:",
      '\t* the Kubernetes API server reported that "todo-backend" failed to fully initialize',
      "Warning  BackOff  pod/backend-abc  Back-off restarting failed container",
    ]);
    expect(result.timings.rollout).toBe(60_000);
    expect(cycle.deployed()).toEqual(initial);
    expect(cycleLines(result, initial, cycle.deployed())[0]).toContain("the old ones keep serving");
  });

  it("calls any other failure an update failure, with the error diagnostics", async () => {
    const cycle = cycleWith((request) => {
      request.onEvent(ev.diag(undefined, "error: the stack is locked by another update\n", "error"));
      throw new Error("exit code 255");
    });
    project.write("app/backend/todo_api/main.py", "print('x')\n");
    const result = await cycle.run(batchOf(["backend"]));
    expect(result.outcome).toMatchObject({
      kind: "failed",
      phase: "update",
      detail: ["error: the stack is locked by another update"],
    });
  });

  it("fails the build, naming the file, when an image's inputs cannot be hashed", async () => {
    const cycle = cycleWith(() => undefined);
    fs.rmSync(project.images[0].dockerfile);
    const result = await cycle.run(batchOf(["backend"]));
    expect(requests).toEqual([]);
    expect(result.outcome).toMatchObject({ kind: "failed", phase: "build" });
    if (result.outcome.kind === "failed") expect(result.outcome.detail[0]).toContain("Dockerfile");
  });

  it("lets an interrupted update end the loop's cycle with the interrupt, not a failed line", async () => {
    const cycle = cycleWith(() => {
      throw new InterruptedError("Interrupted (SIGINT); exit 130.");
    });
    project.write("app/backend/todo_api/main.py", "print('x')\n");
    await expect(cycle.run(batchOf(["backend"]))).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe("tagOfReference", () => {
  it("reads the content tag of an image reference output", () => {
    expect(tagOfReference("registry.example.com:5000/todo-backend:c-0123456789abcdef")).toBe(
      "c-0123456789abcdef",
    );
    expect(tagOfReference("todo-backend:latest")).toBeUndefined();
  });
});
