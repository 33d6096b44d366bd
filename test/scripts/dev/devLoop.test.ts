/**
 * The watcher, the scheduler and the cycle together on a real temporary copy of the reference app, with real
 * chokidar and the real content hash; only the update (the Pulumi engine) and the rollout diagnosis are stubs.
 */
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type UpdateRequest, contentTag, createCycle } from "../../../scripts/lib/dev/cycle";
import { type DevLoop, createDevLoop } from "../../../scripts/lib/dev/loop";
import { urnName } from "../../../scripts/lib/dev/targets";
import { cycleLines } from "../../../scripts/lib/dev/timing";
import type { CycleResult, DevService } from "../../../scripts/lib/dev/types";
import { type ImageWatcher, watchImages } from "../../../scripts/lib/dev/watch";
import { type TempProject, deployedState, engineEvents as ev, tempProject, urn, waitFor } from "./fixtures";

const IMAGE_TYPE = "docker:index/image:Image";
const imageUrn = (s: DevService) =>
  urn(["todo:app:AppService", "todo:image:ServiceImage", IMAGE_TYPE], `${s}-image`);

describe("npm run dev's loop on real files", () => {
  let project: TempProject;
  let watcher: ImageWatcher | undefined;
  let loop: DevLoop | undefined;
  let requests: UpdateRequest[];
  let results: CycleResult[];
  let lines: string[];
  /** What the next update does; by default it succeeds at once. */
  let nextUpdate: (request: UpdateRequest) => Promise<void>;

  const start = async () => {
    const initial = new Map(project.images.map((image) => [image.service, contentTag(image)]));
    const cycle = createCycle({
      images: project.images,
      deployed: initial,
      readState: () => Promise.resolve(deployedState()),
      update: (request) => {
        requests.push(request);
        return nextUpdate(request);
      },
      diagnoseRollout: () => Promise.resolve([]),
    });
    let before = cycle.deployed();
    loop = createDevLoop({
      runCycle: (batch) => cycle.run(batch),
      onResult: (result) => {
        results.push(result);
        lines.push(...cycleLines(result, before, cycle.deployed()));
        before = cycle.deployed();
      },
    });
    const running = loop;
    watcher = await watchImages({
      projectDir: project.root,
      stack: "dev",
      images: project.images,
      onBatch: (batch) => running.submit(batch),
      debounceMs: 30,
    });
    return cycle;
  };

  beforeEach(() => {
    project = tempProject();
    requests = [];
    results = [];
    lines = [];
    nextUpdate = () => Promise.resolve();
  });
  afterEach(async () => {
    await watcher?.close();
    await loop?.stop();
    watcher = undefined;
    loop = undefined;
    project.remove();
  });

  it("an edit in the backend's folder runs one targeted update of the backend's resources only", async () => {
    const cycle = await start();
    const frontendTag = cycle.deployed().get("frontend");
    project.write("app/backend/todo_api/main.py", "print('edited')\n");
    await waitFor(() => results.length === 1, "one cycle");
    expect(requests).toHaveLength(1);
    const names = requests[0].targets!.map(urnName);
    expect(names).toContain("backend-image");
    expect(names).toContain("backend-deployment");
    expect(names.filter((n) => !n.startsWith("backend"))).toEqual([]);
    expect(results[0].outcome).toEqual({ kind: "deployed", services: ["backend"], full: false });
    expect(cycle.deployed().get("frontend")).toBe(frontendTag);
    expect(lines[0]).toMatch(/^backend: ready in \d+\.\d+s \(detect .*\) todo-backend:c-[0-9a-f]{16}$/);
  });

  it("three edits during one running build give exactly one more cycle, with the last content", async () => {
    const cycle = await start();
    let release!: () => void;
    nextUpdate = () => new Promise<void>((resolve) => (release = resolve));
    project.write("app/backend/todo_api/main.py", "print('first')\n");
    await waitFor(() => requests.length === 1, "the first build to start");
    nextUpdate = () => Promise.resolve();
    for (const content of ["second", "third", "fourth"]) {
      project.write("app/backend/todo_api/main.py", `print('${content}')\n`);
      // Each its own batch: wait past the debounce window before the next save.
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    project.write("app/frontend/lib/api.ts", "export const changed = true;\n");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(requests).toHaveLength(1);
    release();
    await waitFor(() => results.length === 2, "the second cycle");
    await new Promise((resolve) => setTimeout(resolve, 100));
    await loop!.idle();
    expect(requests).toHaveLength(2);
    expect(results[1].outcome).toEqual({ kind: "deployed", services: ["backend", "frontend"], full: false });
    expect(results[1].timings.queued).toBeGreaterThan(0);
    expect(cycle.deployed().get("backend")).toBe(contentTag(project.images[0]));
    const names = requests[1].targets!.map(urnName);
    expect(names).toContain("frontend-deployment");
  });

  it("a failed build keeps the old version deployed and the loop alive; the next edit builds again", async () => {
    const cycle = await start();
    const old = cycle.deployed().get("backend")!;
    nextUpdate = (request) => {
      request.onEvent(ev.pre(imageUrn("backend"), IMAGE_TYPE));
      request.onEvent(ev.diag(imageUrn("backend"), "SyntaxError: invalid syntax\n", "error"));
      request.onEvent(ev.failed(imageUrn("backend"), IMAGE_TYPE));
      return Promise.reject(new Error("update failed"));
    };
    project.write("app/backend/todo_api/main.py", "def broken(:\n");
    await waitFor(() => results.length === 1, "the failed cycle");
    expect(results[0].outcome).toMatchObject({
      kind: "failed",
      phase: "build",
      detail: ["SyntaxError: invalid syntax"],
    });
    expect(cycle.deployed().get("backend")).toBe(old);
    expect(lines[0]).toContain(`still serves todo-backend:${old}`);

    nextUpdate = () => Promise.resolve();
    const fixed = project.write("app/backend/todo_api/main.py", "def fixed():\n    pass\n");
    // One save can reach the watcher as two events a debounce window apart (a truncate, then the write), so
    // the broken content may have been built twice: what matters is that the fixed content is built next.
    await waitFor(() => results.at(-1)?.outcome.kind === "deployed", "a cycle that deploys the fix");
    expect(results.at(-1)!.outcome).toEqual({ kind: "deployed", services: ["backend"], full: false });
    expect(results.filter((r) => r.outcome.kind === "failed").length).toBeGreaterThanOrEqual(1);
    expect(cycle.deployed().get("backend")).not.toBe(old);
    expect(path.isAbsolute(fixed)).toBe(true);
  });

  it("an ignored save starts nothing; a program change runs a full update", async () => {
    await start();
    project.write("app/frontend/node_modules/react/index.js", "changed\n");
    project.write("app/backend/README.md", "changed\n");
    project.write("config/keys.ts", "export const changed = 1;\n");
    await waitFor(() => results.length === 1, "the program's cycle");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toBeUndefined();
    expect(results[0].outcome).toMatchObject({ kind: "deployed", full: true });
  });
});
