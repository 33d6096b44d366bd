import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { hashBuildContext, imageTag, listBuildContext } from "../../images/contextHash";
import { copyOwnApp } from "../support/contextFixtures";

// Every directory the hash opens is recorded, so the tests can show which ones it never opens. Permissions cannot
// show it here: the suite may run as root, for whom a mode-000 directory is as readable as any other.
const opened = vi.hoisted(() => [] as string[]);
vi.mock("fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("fs")>();
  const readdirSync = ((dir: fs.PathLike, ...rest: unknown[]) => {
    opened.push(String(dir));
    return (real.readdirSync as (...args: unknown[]) => unknown)(dir, ...rest);
  }) as typeof real.readdirSync;
  return { ...real, default: { ...real, readdirSync }, readdirSync };
});

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "context-pruning-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  opened.length = 0;
});

/** The fixture with `count` files in each of `dirs` (context-relative), standing for installed packages. */
function repoWithTrees(name: string, dirs: readonly string[], count: number) {
  const parent = path.join(scratch, name);
  fs.mkdirSync(parent);
  const repo = copyOwnApp(parent);
  for (const dir of dirs) {
    for (let i = 0; i < count; i++) repo.write(`${dir}/pkg-${i % 20}/f${i}.js`, `module.exports = ${i};\n`);
  }
  return repo;
}

/** The opened directories at or below `rel` in the repository at `root`. */
function openedBelow(root: string, rel: string): string[] {
  const abs = path.join(root, ...rel.split("/"));
  return opened.filter((dir) => dir === abs || dir.startsWith(abs + path.sep));
}

describe("the walk behind a tag", () => {
  it("never opens a node_modules that no Dockerfile reads, nor the .git or state directories", () => {
    const repo = repoWithTrees("unread", ["node_modules", "phase3/tools/node_modules"], 200);
    repo.write(".git/objects/ab/cdef", "x\n");
    hashBuildContext(repo.spec("backend"));
    hashBuildContext(repo.spec("frontend"));
    for (const unread of ["node_modules", "phase3", ".git", "phase4"]) {
      expect(openedBelow(repo.root, unread)).toEqual([]);
    }
    expect(openedBelow(repo.root, "phase2/backend")).toEqual([path.join(repo.root, "phase2", "backend")]);
  });

  it("never opens an ignored node_modules inside a folder the Dockerfile reads", () => {
    const repo = repoWithTrees(
      "ignored",
      ["phase2/frontend/node_modules", "phase2/frontend/.next/cache"],
      200,
    );
    // The root .dockerignore's `node_modules` only matches at the root, as in Docker, so the team's per-Dockerfile
    // ignore file names the nested directories.
    repo.write("phase4/docker/frontend/Dockerfile.dockerignore", "**/node_modules\n**/.next\n");
    const files = listBuildContext(repo.spec("frontend"));
    expect(files.some((f) => f.includes("node_modules") || f.includes(".next"))).toBe(false);
    expect(files).toContain("phase2/frontend/src/app/page.tsx");
    opened.length = 0;
    hashBuildContext(repo.spec("frontend"));
    expect(openedBelow(repo.root, "phase2/frontend/node_modules")).toEqual([]);
    expect(openedBelow(repo.root, "phase2/frontend/.next")).toEqual([]);
    expect(openedBelow(repo.root, "phase2/frontend/src")).not.toEqual([]);
  });

  it("hashes a repository-root context in milliseconds when the Dockerfile reads one folder", () => {
    const repo = repoWithTrees("speed", ["phase3/data"], 3000);
    const spec = repo.spec("backend");
    hashBuildContext(spec); // Warms the module and the file system cache.
    const start = process.hrtime.bigint();
    const hash = hashBuildContext(spec);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`hashBuildContext: repo root, 3,000 unread files, backend folder read: ${ms.toFixed(1)} ms`);
    expect(imageTag(hash)).toMatch(/^c-[0-9a-f]{16}$/);
    expect(ms).toBeLessThan(250);
  });
});
