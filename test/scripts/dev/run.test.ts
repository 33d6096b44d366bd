/**
 * runDevLoop in this process, without a cluster (no kubectl: no forwards, no logs), on a real temporary project:
 * what the loop does around its cycles. The stack file moving a build context is a full update, after which the
 * loop watches the new context and no longer the old one; a signal ends it with 130 and the summary. A save made
 * while the first deploy ran, before the watcher started, gets its cycle as soon as the loop starts.
 */
import { EventEmitter } from "events";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type UpdateRequest, contentTag } from "../../../scripts/lib/dev/cycle";
import { type DevOutputs, checkForwardPorts, devOutputs, runDevLoop } from "../../../scripts/lib/dev/run";
import type { WatchedImage } from "../../../scripts/lib/dev/types";
import { UserError } from "../../../scripts/lib/errors";
import { type TempProject, deployedState, sleep, tempProject, waitFor } from "./fixtures";

describe("runDevLoop", () => {
  let project: TempProject;
  beforeEach(() => {
    project = tempProject();
  });
  afterEach(() => project.remove());

  it("after a full update that moved the backend's context, watches the new context and not the old", async () => {
    const moved = path.join(project.root, "services", "api");
    fs.cpSync(project.images[0].context, moved, { recursive: true });
    let images: WatchedImage[] = project.images;
    const { requests, lines, stop } = startLoop(firstTags(), Date.now() + 1000, {
      images: () => images,
      // The program ran with the edited stack file: its imageSources output now names the moved context.
      onUpdate: (request) => {
        if (request.targets === undefined)
          images = [{ ...project.images[0], context: moved }, project.images[1]];
      },
    });
    await waitFor(() => lines.some((l) => l.startsWith("Save a file")), "the loop to watch");
    expect(lines.join("\n")).toContain("kubectl was not found");

    project.write("Pulumi.dev.yaml", "config:\n  todo-app:backendContext: services/api\n");
    await waitFor(() => lines.some((l) => l.includes("watching the new ones")), "the sources to be re-read");
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toBeUndefined();
    expect(lines).toContain(
      "Watching backend: services/api/ (the whole context, less what its ignore file excludes), its Dockerfile and ignore file",
    );

    project.write("app/backend/todo_api/main.py", "# the old context: no longer read\n");
    project.write("services/api/todo_api/main.py", "# the new one\n");
    await waitFor(() => requests.length === 2, "a cycle for the new context");
    expect(requests[1].targets?.every((urn) => /AppService.*::backend/.test(urn))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requests).toHaveLength(2);

    await stop();
    expect(lines.join("\n")).toMatch(
      /Deployed in stack "dev" \(namespace todo-dev\): backend todo-backend:c-/,
    );
  }, 20_000);

  /** A loop started on outputs whose image tags are `tags`, that records its updates until a SIGINT. */
  function startLoop(
    tags: Record<string, string>,
    deployStartedAt: number,
    more: {
      firstDeployFailed?: boolean;
      digests?: boolean;
      /** The images the outputs name, read at each call (default: the project's two). */
      images?: () => WatchedImage[];
      onUpdate?: (request: UpdateRequest) => void;
    } = {},
  ) {
    const digest = `@sha256:${"ab".repeat(32)}`;
    const outputs = (): DevOutputs => ({
      namespace: "todo-dev",
      images: more.images?.() ?? project.images,
      // A registry stack's pods run digest references, which carry no content tag: imageSources' tags do.
      ...(more.digests
        ? {
            imageRefs: {
              backend: `ghcr.io/acme/todo-backend${digest}`,
              frontend: `ghcr.io/acme/todo-frontend${digest}`,
            },
            tags,
          }
        : {
            imageRefs: {
              backend: `todo-backend:${tags.backend}`,
              frontend: `todo-frontend:${tags.frontend}`,
            },
            tags: {},
          }),
    });
    const requests: UpdateRequest[] = [];
    const lines: string[] = [];
    const signals = new EventEmitter();
    const stateReads: number[] = [];
    const done = runDevLoop({
      stackName: "dev",
      shortStackName: "dev",
      projectDir: project.root,
      options: { frontendPort: 3000, downOnExit: false },
      logLevel: "info",
      outputs: outputs(),
      readOutputs: () => Promise.resolve(outputs()),
      readState: () => {
        stateReads.push(requests.length);
        return Promise.resolve(deployedState());
      },
      deployStartedAt,
      firstDeployFailed: more.firstDeployFailed,
      update: (request) => {
        requests.push(request);
        more.onUpdate?.(request);
        return Promise.resolve();
      },
      destroy: () => Promise.resolve([]),
      log: (line) => lines.push(line),
      write: (line) => lines.push(line),
      signals,
      debounceMs: 30,
    });
    const stop = async () => {
      signals.emit("SIGINT");
      expect(await done).toBe(130);
    };
    return { requests, lines, stateReads, stop };
  }
  const firstTags = () =>
    Object.fromEntries(project.images.map((image) => [image.service, contentTag(image)]));

  it("starts with nothing to do when nothing was saved during the first deploy", async () => {
    const loop = startLoop(firstTags(), Date.now() + 1000);
    await waitFor(() => loop.lines.some((l) => l.startsWith("Save a file")), "the loop to watch");
    await sleep(150);
    expect(loop.requests).toEqual([]);
    expect(loop.lines.join("\n")).not.toContain("Saved while the first deploy ran");
    await loop.stop();
  });

  it("exports the state once for its targeted cycles, and again after a full update", async () => {
    const loop = startLoop(firstTags(), Date.now() + 1000);
    await waitFor(() => loop.lines.some((l) => l.startsWith("Save a file")), "the loop to watch");
    project.write("app/backend/todo_api/one.py", "VALUE = 1\n");
    await waitFor(() => loop.requests.length === 1, "the first cycle");
    project.write("app/frontend/app/two.tsx", "export const two = 2;\n");
    await waitFor(() => loop.requests.length === 2, "the second cycle");
    expect(loop.requests.every((r) => r.targets !== undefined)).toBe(true);
    // Read once, when the loop started, for both targeted cycles.
    expect(loop.stateReads).toEqual([0]);
    project.write("index.ts", "// the program changed\n");
    await waitFor(() => loop.requests.length === 3, "the full update");
    expect(loop.requests[2].targets).toBeUndefined();
    project.write("app/backend/todo_api/three.py", "VALUE = 3\n");
    await waitFor(() => loop.requests.length === 4, "a targeted cycle after it");
    expect(loop.requests[3].targets).toBeDefined();
    expect(loop.stateReads).toEqual([0, 3]);
    await loop.stop();
  });

  it("rebuilds at once the image saved during the first deploy (before the watcher started), and only it", async () => {
    // The first deploy deployed these tags; then, before the loop watched, a backend file was saved.
    const loop0Tags = firstTags();
    project.write("app/backend/todo_api/saved_during_deploy.py", "VALUE = 2\n");
    const loop = startLoop(loop0Tags, Date.now() + 1000);
    await waitFor(() => loop.requests.length === 1, "the catch-up cycle");
    expect(loop.requests[0].targets?.length).toBeGreaterThan(0);
    expect(loop.requests[0].targets?.every((urn) => /AppService.*::backend/.test(urn))).toBe(true);
    expect(loop.lines.join("\n")).toContain(
      "Saved while the first deploy ran (after the program had read it): backend runs now.",
    );
    await loop.stop();
  });

  it("runs a full update at once when a program file was saved after the first deploy started", async () => {
    const startedAt = Date.now() - 60_000;
    fs.utimesSync(path.join(project.root, "index.ts"), new Date(), new Date());
    const loop = startLoop(firstTags(), startedAt);
    await waitFor(() => loop.requests.length === 1, "the catch-up cycle");
    expect(loop.requests[0].targets).toBeUndefined();
    await loop.stop();
  });

  it("on a registry stack, takes the deployed tags from imageSources, so a save during the first deploy is seen", async () => {
    const tags = firstTags();
    project.write("app/backend/todo_api/saved_during_deploy.py", "VALUE = 2\n");
    const loop = startLoop(tags, Date.now() + 1000, { digests: true });
    await waitFor(() => loop.requests.length === 1, "the catch-up cycle");
    expect(loop.requests[0].targets?.every((urn) => /AppService.*::backend/.test(urn))).toBe(true);
    await loop.stop();
  });

  it("after a failed first deploy: nothing runs before a save, and the first save is a full update", async () => {
    // The stack's last good version has other tags than the files hash to now: without the flag, a catch-up cycle.
    const stale = { backend: "c-0000000000000001", frontend: "c-0000000000000002" };
    const loop = startLoop(stale, Date.now() - 60_000, { firstDeployFailed: true });
    await waitFor(() => loop.lines.some((l) => l.startsWith("Save a file")), "the loop to watch");
    await sleep(200);
    expect(loop.requests).toEqual([]);
    project.write("app/backend/todo_api/fix.py", "FIXED = True\n");
    await waitFor(() => loop.requests.length === 1, "the first cycle");
    expect(loop.requests[0].targets).toBeUndefined();
    project.write("app/backend/todo_api/fix.py", "FIXED = 2\n");
    await waitFor(() => loop.requests.length === 2, "the next cycle");
    expect(loop.requests[1].targets).toBeDefined();
    await loop.stop();
  });

  it("checkForwardPorts (run before the first deploy) refuses a taken port, naming its flag", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const check = checkForwardPorts({ frontendPort: 3000, backendPort: port, downOnExit: false });
      await expect(check).rejects.toThrow(UserError);
      await expect(checkForwardPorts({ frontendPort: port, downOnExit: false })).rejects.toThrow(
        new RegExp(`Local port ${port} .* already in use.*--frontend-port <port>`),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses a stack without the imageSources output, saying to run npm run up", () => {
    expect(() => devOutputs({ namespace: { value: "todo-dev" } })).toThrow(UserError);
    expect(() => devOutputs({ namespace: { value: "todo-dev" } })).toThrow(/npm run up/);
  });
});
