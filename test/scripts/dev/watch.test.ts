/**
 * The watcher (scripts/lib/dev/watch.ts), on real temporary folders with real chokidar 4.0.3. What it relies on,
 * read in node_modules/chokidar: index.js `_isIgnored` hands the `ignored` callback each path with its lstat when
 * it has one (handler.js `_addToNodeFs` asks before and after the stat, readdirp's filters with the entry's
 * stats), so a pruned directory is never read nor watched; `_emit` with `atomic` turns an unlink followed by an
 * add of the same path within 100 ms into one `change`; handler.js `_handleFile` stats a file again when its
 * watcher fires and re-watches a new inode, which is how a rename over the file (an atomic save) is seen.
 * Vim's write test file is vim/vim src/bufwrite.c (`for (i = 4913; ; i += 123)`).
 */
import * as fs from "fs";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { listBuildContext } from "../../../images/contextHash";
import {
  type ImageWatcher,
  imageReads,
  isEditorTempFile,
  watchImages,
  watchScope,
} from "../../../scripts/lib/dev/watch";
import type { ChangeBatch, WatchedImage } from "../../../scripts/lib/dev/types";
import { type TempProject, sleep, tempProject, waitFor } from "./fixtures";

/** Every file and folder below `dir`, context-relative, `/`-separated. */
function everything(dir: string, rel = ""): { rel: string; dir: boolean }[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
    return entry.isDirectory()
      ? [{ rel: child, dir: true }, ...everything(dir, child)]
      : [{ rel: child, dir: false }];
  });
}

describe("what an image is watched for", () => {
  let project: TempProject;
  beforeEach(() => {
    project = tempProject();
  });
  afterEach(() => project.remove());

  it("is exactly what its content tag hashes, for both reference contexts", () => {
    for (const image of project.images) {
      const hashed = new Set(
        listBuildContext({ context: image.context, dockerfile: image.dockerfile }).map((p) =>
          p.replace(/\/$/, ""),
        ),
      );
      const reads = imageReads(image);
      const mismatches = everything(image.context).filter(
        (entry) => reads.reads(entry.rel) !== hashed.has(entry.rel),
      );
      expect(mismatches).toEqual([]);
      // And what the hash skips without opening, the watcher does not enter either.
      expect(reads.entersDir("node_modules")).toBe(false);
      expect(reads.entersDir(".next")).toBe(false);
    }
  });

  it("follows a Dockerfile that reads one folder, with wildcards and a `!` re-include", () => {
    const root = project.root;
    project.write("own/src/main.py", "x\n");
    project.write("own/src/build/keep.txt", "kept\n");
    project.write("own/src/build/drop.txt", "dropped\n");
    project.write("own/docs/guide.md", "unread\n");
    project.write("own/req-a.txt", "a\n");
    project.write("own/.dockerignore", "src/build\n!src/build/keep.txt\n");
    project.write("own/Dockerfile", "FROM scratch\nCOPY src/ /app/src/\nCOPY req-*.txt /\n");
    const image: WatchedImage = {
      service: "backend",
      context: path.join(root, "own"),
      dockerfile: path.join(root, "own", "Dockerfile"),
      buildArgs: {},
    };
    const hashed = new Set(listBuildContext(image).map((p) => p.replace(/\/$/, "")));
    const reads = imageReads(image);
    expect(everything(image.context).filter((e) => reads.reads(e.rel) !== hashed.has(e.rel))).toEqual([]);
    expect(reads.reads("src/build/keep.txt")).toBe(true);
    expect(reads.reads("src/build/drop.txt")).toBe(false);
    expect(reads.entersDir("src/build")).toBe(true); // a `!` rule reaches inside
    expect(reads.entersDir("docs")).toBe(false);
    expect(reads.reads("req-b.txt")).toBe(true); // a file the wildcard would match, once it exists
  });

  it("counts the program's files as the program and nothing of tests, scripts or the policy pack", () => {
    const scope = watchScope(project.root, "dev", project.images.map(imageReads));
    const at = (rel: string) => scope.classify(path.join(project.root, rel));
    for (const rel of [
      "index.ts",
      "catalog.ts",
      "config/keys.ts",
      "images/x.ts",
      "Pulumi.yaml",
      "Pulumi.dev.yaml",
    ]) {
      expect(at(rel).program, rel).toBe(true);
    }
    for (const rel of [
      "Pulumi.ci.yaml",
      "test/scripts/some.test.ts",
      "scripts/commands/up.ts",
      "policy/index.ts",
      "README.md",
    ]) {
      expect(at(rel), rel).toEqual({ program: false, services: [], rereads: [] });
    }
    expect(at("docker/backend/Dockerfile")).toEqual({
      program: false,
      services: ["backend"],
      rereads: ["backend"],
    });
    expect(at("app/backend/.dockerignore").rereads).toEqual(["backend"]);
    // A <Dockerfile>.dockerignore, once created, takes over from the context's: its creation matters too.
    expect(at("docker/frontend/Dockerfile.dockerignore").rereads).toEqual(["frontend"]);
  });

  it("recognises editors' temporary files", () => {
    for (const name of [
      ".main.py.swp",
      ".main.py.swx",
      ".main.py.swo",
      "4913",
      "5036",
      "main.py~",
      ".#main.py",
      "#main.py#",
      "main.py___jb_tmp___",
      "main.py___jb_old___",
      "x.tmp",
      "main.py.crswap",
      ".main.py.kate-swp",
    ]) {
      expect(isEditorTempFile(name), name).toBe(true);
    }
    for (const name of ["main.py", "4914", "0001_init.py", "swap.py", "notes.md"]) {
      expect(isEditorTempFile(name), name).toBe(false);
    }
  });
});

describe("watchImages on real folders", () => {
  let project: TempProject;
  let watcher: ImageWatcher | undefined;
  let batches: ChangeBatch[];
  const errors: Error[] = [];

  const startWatching = async (images: readonly WatchedImage[] = project.images): Promise<ImageWatcher> => {
    watcher = await watchImages({
      projectDir: project.root,
      stack: "dev",
      images,
      onBatch: (batch) => batches.push(batch),
      debounceMs: 50,
      onError: (error) => errors.push(error),
    });
    return watcher;
  };
  /** Writes `sentinel` after the others and waits for its batch: anything the others triggered is in it by then. */
  const onlyAfter = async (sentinel: string): Promise<ChangeBatch> => {
    const file = project.write(sentinel, `${Date.now()}\n`);
    await waitFor(() => batches.some((b) => b.files.includes(file)), `a batch with ${sentinel}`);
    // One more debounce window: a late event of the earlier writes would show up as another batch.
    await sleep(120);
    return batches[batches.length - 1];
  };

  beforeEach(() => {
    project = tempProject();
    batches = [];
    errors.length = 0;
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    project.remove();
  });

  it("turns an edit in the backend's folder into a batch of the backend alone, with its save time", async () => {
    await startWatching();
    const before = Date.now();
    const file = project.write("app/backend/todo_api/main.py", "print('changed')\n");
    await waitFor(() => batches.length > 0, "a batch");
    const [batch] = batches;
    expect([...batch.services]).toEqual(["backend"]);
    expect(batch.program).toBe(false);
    expect(batch.files).toEqual([file]);
    expect(batch.savedAt).toBe(fs.statSync(file).mtimeMs);
    expect(batch.savedAt).toBeGreaterThanOrEqual(before - 20);
    expect(batch.detectedAt).toBeGreaterThanOrEqual(batch.savedAt + 50);
    expect(errors).toEqual([]);
  });

  it("never opens ignored folders, and a save there, in an ignored file or in an unread place triggers nothing", async () => {
    const w = await startWatching();
    const dirs = w.watchedDirs();
    for (const rel of [
      "node_modules",
      "app/frontend/node_modules",
      "app/frontend/.next",
      ".pulumi-state",
      "app/backend/.venv",
      "app/backend/tests",
      "test",
      "scripts",
    ]) {
      expect(dirs, rel).not.toContain(path.join(project.root, rel));
    }
    expect(dirs).toContain(path.join(project.root, "app", "backend", "todo_api"));
    project.write("app/frontend/node_modules/react/index.js", "changed\n");
    project.write("app/frontend/.next/cache/x.json", "changed\n");
    project.write("node_modules/left-pad/index.js", "changed\n");
    project.write("app/backend/README.md", "ignored by app/backend/.dockerignore\n");
    project.write("app/backend/tests/test_new.py", "ignored too\n");
    project.write("test/scripts/some.test.ts", "not the program\n");
    project.write("docker/backend/notes.md", "beside the Dockerfile, read by nothing\n");
    const batch = await onlyAfter("app/backend/todo_api/sentinel.py");
    expect(batches).toHaveLength(1);
    expect(batch.files).toEqual([path.join(project.root, "app/backend/todo_api/sentinel.py")]);
  });

  it("ignores editors' temporary files, and sees a vim save (backup renamed, file rewritten) as one change", async () => {
    await startWatching();
    const dir = path.join(project.root, "app", "backend", "todo_api");
    const main = path.join(dir, "main.py");
    // vim with backupcopy=no: a write test, the original renamed to its backup, a new file, the backup removed.
    fs.writeFileSync(path.join(dir, "4913"), "");
    fs.unlinkSync(path.join(dir, "4913"));
    fs.writeFileSync(path.join(dir, ".main.py.swp"), "swap");
    fs.renameSync(main, `${main}~`);
    fs.writeFileSync(main, "print('saved by vim')\n");
    fs.unlinkSync(`${main}~`);
    await waitFor(() => batches.length > 0, "a batch");
    await sleep(150);
    expect(batches).toHaveLength(1);
    expect(batches[0].files).toEqual([main]);
    fs.writeFileSync(path.join(dir, "notes.tmp"), "x");
    fs.writeFileSync(path.join(dir, "main.py.crswap"), "x");
    const batch = await onlyAfter("app/backend/todo_api/sentinel.py");
    expect(batch.files).toEqual([path.join(dir, "sentinel.py")]);
  });

  it("sees an atomic save: a temporary file renamed over the original (JetBrains' safe write)", async () => {
    await startWatching();
    const main = path.join(project.root, "app", "backend", "todo_api", "main.py");
    fs.writeFileSync(`${main}___jb_tmp___`, "print('saved by an IDE')\n");
    fs.renameSync(main, `${main}___jb_old___`);
    fs.renameSync(`${main}___jb_tmp___`, main);
    fs.unlinkSync(`${main}___jb_old___`);
    await waitFor(() => batches.length > 0, "a batch");
    expect(batches[0].files).toEqual([main]);
    expect([...batches[0].services]).toEqual(["backend"]);
    // And a plain rename over the file, as `mv new main.py` or an editor's write-then-rename does.
    batches.length = 0;
    const other = path.join(project.root, "app", "backend", "todo_api", "staged.py.tmp");
    fs.writeFileSync(other, "print('renamed into place')\n");
    fs.renameSync(other, main);
    await waitFor(() => batches.length > 0, "a batch for the rename");
    expect(batches[0].files).toEqual([main]);
  });

  it("marks a change of the program, and of the stack's file, as a program change", async () => {
    await startWatching();
    const keys = project.write("config/keys.ts", "export const changed = 1;\n");
    await waitFor(() => batches.length > 0, "a batch");
    expect(batches[0].program).toBe(true);
    expect([...batches[0].services]).toEqual([]);
    expect(batches[0].files).toEqual([keys]);
    batches.length = 0;
    project.write("Pulumi.dev.yaml", "config: {}\n");
    await waitFor(() => batches.length > 0, "a batch for the stack file");
    expect(batches[0].program).toBe(true);
  });

  it("widens what it watches when the Dockerfile gains a COPY, and reads the new folder", async () => {
    project.write("own/src/main.py", "x\n");
    project.write("own/extra/data.txt", "not read yet\n");
    const dockerfile = project.write("own/Dockerfile", "FROM scratch\nCOPY src/ /app/src/\n");
    const image: WatchedImage = {
      service: "backend",
      context: path.join(project.root, "own"),
      dockerfile,
      buildArgs: {},
    };
    const w = await startWatching([image]);
    expect(w.watchedDirs()).not.toContain(path.join(project.root, "own", "extra"));
    project.write("own/extra/data.txt", "still not read\n");
    await onlyAfter("own/src/sentinel.py");
    expect(batches).toHaveLength(1);

    batches.length = 0;
    fs.appendFileSync(dockerfile, "COPY extra/ /app/extra/\n");
    await waitFor(() => batches.length > 0, "a batch for the Dockerfile");
    expect(batches[0].files).toEqual([dockerfile]);
    await w.settled();
    expect(w.readPaths("backend")).toEqual(["extra", "src"]);
    expect(w.watchedDirs()).toContain(path.join(project.root, "own", "extra"));
    batches.length = 0;
    const data = project.write("own/extra/data.txt", "read now\n");
    await waitFor(() => batches.length > 0, "a batch for the widened folder");
    expect(batches[0].files).toEqual([data]);
    expect([...batches[0].services]).toEqual(["backend"]);
  });

  it("sees a save that comes right after a batch, however short the debounce (chokidar's 50 ms change throttle)", async () => {
    watcher = await watchImages({
      projectDir: project.root,
      stack: "dev",
      images: project.images,
      onBatch: (batch) => {
        batches.push(batch);
        // The save a formatter or a quick second Ctrl-S makes just after the first was handed on.
        if (batches.length === 1) fs.writeFileSync(main, "print('second')\n");
      },
      debounceMs: 1,
    });
    const main = project.write("app/backend/todo_api/main.py", "print('first')\n");
    await waitFor(() => batches.length === 2, "a batch for the second save");
    expect(batches[1].files).toEqual([main]);
    expect(batches[0].detectedAt - batches[0].savedAt).toBeGreaterThanOrEqual(50);
  });

  it("debounces a burst of saves into one batch whose save time is the earliest", async () => {
    await startWatching();
    const a = project.write("app/backend/todo_api/a.py", "a\n");
    const b = project.write("app/frontend/lib/b.ts", "b\n");
    await waitFor(() => batches.length > 0, "a batch");
    await sleep(120);
    expect(batches).toHaveLength(1);
    expect(new Set(batches[0].files)).toEqual(new Set([a, b]));
    expect([...batches[0].services].sort()).toEqual(["backend", "frontend"]);
    expect(batches[0].savedAt).toBe(Math.min(fs.statSync(a).mtimeMs, fs.statSync(b).mtimeMs));
  });
});
