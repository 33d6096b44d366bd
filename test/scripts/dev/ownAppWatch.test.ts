/**
 * `npm run dev` on the team's own repository layout (test/fixtures/own-app): both images are built from the
 * repository root, each Dockerfile copying its own `phase2/<service>` folder. The watcher must tell the two apart
 * by what each Dockerfile reads, not by folder: a backend edit is the backend's alone, a frontend edit the
 * frontend's, and the rest of the repository (the infra folder with its own Pulumi files, docs) is neither.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type ImageWatcher, watchImages } from "../../../scripts/lib/dev/watch";
import type { ChangeBatch, WatchedImage } from "../../../scripts/lib/dev/types";
import { OWN_APP_REPO } from "../../support/stacks";
import { sleep, waitFor } from "./fixtures";

describe("watching the team's own repository (both images built from its root)", () => {
  let root: string;
  let images: WatchedImage[];
  let watcher: ImageWatcher | undefined;
  let batches: ChangeBatch[];

  beforeEach(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "own-app-dev-")));
    fs.cpSync(OWN_APP_REPO, root, { recursive: true });
    fs.mkdirSync(path.join(root, "docs"));
    fs.writeFileSync(path.join(root, "docs", "notes.md"), "# notes\n");
    images = (["backend", "frontend"] as const).map((service) => ({
      service,
      context: root,
      dockerfile: path.join(root, "phase4", "docker", service, "Dockerfile"),
      buildArgs: {},
    }));
    batches = [];
    // The program lives elsewhere (this project); the team's repository is only the build context.
    const programDir = fs.mkdtempSync(path.join(os.tmpdir(), "own-app-program-"));
    watcher = await watchImages({
      projectDir: programDir,
      stack: "dev",
      images,
      debounceMs: 30,
      onBatch: (batch) => batches.push(batch),
    });
  });
  afterEach(async () => {
    await watcher?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("reads each Dockerfile's own folder as that image's", () => {
    expect(watcher?.readPaths("backend")).toEqual(
      expect.arrayContaining(["phase2/backend/requirements.txt", "phase2/backend"]),
    );
    expect(watcher?.readPaths("backend")?.some((p) => p.startsWith("phase2/frontend"))).toBe(false);
  });

  it("gives a backend edit to the backend only, a frontend edit to the frontend only, and docs to neither", async () => {
    fs.appendFileSync(path.join(root, "phase2", "backend", "main.py"), "# edited\n");
    await waitFor(() => batches.length === 1, "the backend batch");
    expect([...batches[0].services]).toEqual(["backend"]);
    expect(batches[0].program).toBe(false);

    fs.appendFileSync(path.join(root, "phase2", "frontend", "src", "app", "page.tsx"), "// edited\n");
    await waitFor(() => batches.length === 2, "the frontend batch");
    expect([...batches[1].services]).toEqual(["frontend"]);

    fs.appendFileSync(path.join(root, "docs", "notes.md"), "more\n");
    fs.appendFileSync(path.join(root, "phase4", "infra", "Pulumi.dev.yaml"), "# a comment\n");
    await sleep(250);
    expect(batches).toHaveLength(2);
  });
});
