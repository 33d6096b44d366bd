/**
 * runDevLoop in this process, without a cluster (no kubectl: no forwards, no logs), on a real temporary project:
 * what the loop does around its cycles. The stack file moving a build context is a full update, after which the
 * loop watches the new context and no longer the old one; a signal ends it with 130 and the summary.
 */
import { EventEmitter } from "events";
import * as fs from "fs";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { UpdateRequest } from "../../../scripts/lib/dev/cycle";
import { type DevOutputs, devOutputs, runDevLoop } from "../../../scripts/lib/dev/run";
import type { WatchedImage } from "../../../scripts/lib/dev/types";
import { UserError } from "../../../scripts/lib/errors";
import { type TempProject, deployedState, tempProject, waitFor } from "./fixtures";

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
    const outputs = (): DevOutputs => ({ namespace: "todo-dev", images, imageRefs: {} });
    const requests: UpdateRequest[] = [];
    const lines: string[] = [];
    const signals = new EventEmitter();
    const done = runDevLoop({
      stackName: "dev",
      shortStackName: "dev",
      projectDir: project.root,
      options: { frontendPort: 3000, downOnExit: false },
      logLevel: "info",
      outputs: outputs(),
      readOutputs: () => Promise.resolve(outputs()),
      readState: () => Promise.resolve(deployedState()),
      update: (request) => {
        requests.push(request);
        // The program ran with the edited stack file: its imageSources output now names the moved context.
        if (request.targets === undefined)
          images = [{ ...project.images[0], context: moved }, project.images[1]];
        return Promise.resolve();
      },
      destroy: () => Promise.resolve([]),
      log: (line) => lines.push(line),
      write: (line) => lines.push(line),
      signals,
      debounceMs: 30,
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

    signals.emit("SIGINT");
    expect(await done).toBe(130);
    expect(lines.join("\n")).toMatch(
      /Deployed in stack "dev" \(namespace todo-dev\): backend todo-backend:c-/,
    );
  }, 20_000);

  it("refuses a stack without the imageSources output, saying to run npm run up", () => {
    expect(() => devOutputs({ namespace: { value: "todo-dev" } })).toThrow(UserError);
    expect(() => devOutputs({ namespace: { value: "todo-dev" } })).toThrow(/npm run up/);
  });
});
