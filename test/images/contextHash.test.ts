import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashBuildContext, imageTag, listBuildContext } from "../../images/contextHash";
import { createMatcher, isIgnored } from "../../images/dockerignore";
import { contextTree, ignoreCases } from "../support/contextFixtures";

const repoRoot = path.resolve(__dirname, "..", "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "context-hash-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let treeCount = 0;

/** Writes `files` (path -> content) below a fresh directory, in the given order, and returns the directory. */
function makeTree(files: Record<string, string>, order: "as-given" | "reversed" = "as-given"): string {
  const root = path.join(scratch, `tree-${treeCount++}`);
  fs.mkdirSync(root);
  const entries = Object.entries(files);
  if (order === "reversed") entries.reverse();
  for (const [rel, content] of entries) write(root, rel, content);
  return root;
}

function write(root: string, rel: string, content: string): void {
  const abs = path.join(root, ...rel.split("/"));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
}

/** A Dockerfile kept outside the context, as in this repository (docker/<svc>/Dockerfile). */
function makeDockerfile(content = "FROM scratch\nCOPY . .\n"): string {
  const file = path.join(scratch, `Dockerfile-${treeCount++}`);
  fs.writeFileSync(file, content);
  return file;
}

const appTree: Record<string, string> = {
  ".dockerignore": "node_modules\n.next\n*.md\n!README.md\n.env\n.env.*\n",
  "package.json": '{"name":"app"}\n',
  "src/index.ts": "export const answer = 42;\n",
  "src/lib/util.ts": "export const util = 1;\n",
  "README.md": "# kept by the ! rule\n",
  "NOTES.md": "ignored by *.md\n",
  ".env": "SECRET=ignored\n",
  "node_modules/left-pad/index.js": "module.exports = 1;\n",
  ".next/cache/x.bin": "cache\n",
};

describe("hashBuildContext", () => {
  it("gives the same tag for the same tree, whatever order its files were created in", () => {
    const dockerfile = makeDockerfile();
    const a = makeTree(appTree, "as-given");
    const b = makeTree(appTree, "reversed");
    const hashA = hashBuildContext({ context: a, dockerfile });
    expect(hashA).toMatch(/^[0-9a-f]{64}$/);
    expect(hashBuildContext({ context: b, dockerfile })).toBe(hashA);
  });

  it("keeps the tag when only modification times change", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree(appTree);
    const before = hashBuildContext({ context: root, dockerfile });
    const past = new Date("2001-02-03T04:05:06Z");
    fs.utimesSync(path.join(root, "src/index.ts"), past, past);
    expect(hashBuildContext({ context: root, dockerfile })).toBe(before);
  });

  it("gives a new tag when an included source file changes, is added or is renamed", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree(appTree);
    const original = hashBuildContext({ context: root, dockerfile });

    write(root, "src/index.ts", "export const answer = 43;\n");
    const edited = hashBuildContext({ context: root, dockerfile });
    expect(edited).not.toBe(original);

    write(root, "src/new.ts", "export {};\n");
    const added = hashBuildContext({ context: root, dockerfile });
    expect(added).not.toBe(edited);

    fs.renameSync(path.join(root, "src/new.ts"), path.join(root, "src/renamed.ts"));
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(added);
  });

  it("gives a new tag when an empty directory appears, because COPY creates it in the image", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree(appTree);
    const before = hashBuildContext({ context: root, dockerfile });
    fs.mkdirSync(path.join(root, "public"));
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(before);
  });

  it("keeps the tag when ignored files change: node_modules, .next, *.md and .env", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree(appTree);
    const before = hashBuildContext({ context: root, dockerfile });
    write(root, "node_modules/left-pad/index.js", "module.exports = 2;\n");
    write(root, ".next/cache/x.bin", "other cache\n");
    write(root, "NOTES.md", "edited notes\n");
    write(root, ".env", "SECRET=rotated\n");
    expect(hashBuildContext({ context: root, dockerfile })).toBe(before);
  });

  it("keeps the tag when a new file or package appears in an ignored directory", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree(appTree);
    const before = hashBuildContext({ context: root, dockerfile });
    write(root, "node_modules/new-package/deep/nested/file.js", "x\n");
    write(root, ".next/server/app.js", "y\n");
    write(root, "CHANGELOG.md", "z\n");
    write(root, ".env.local", "TOKEN=t\n");
    expect(hashBuildContext({ context: root, dockerfile })).toBe(before);
  });

  it("honours a ! rule: a re-included file is part of the tag even inside an ignored directory", () => {
    const dockerfile = makeDockerfile();
    const root = makeTree({
      ".dockerignore": "*.md\n!README.md\nvendor\n!vendor/keep/**\n",
      "README.md": "v1\n",
      "vendor/drop/a.js": "a\n",
      "vendor/keep/b.js": "b\n",
    });
    // `vendor/keep/**` matches below vendor/keep but not the directory itself, so only the file is re-included.
    expect(listBuildContext({ context: root, dockerfile })).toEqual([
      ".dockerignore",
      "README.md",
      "vendor/keep/b.js",
    ]);
    const before = hashBuildContext({ context: root, dockerfile });

    write(root, "README.md", "v2\n");
    const afterReadme = hashBuildContext({ context: root, dockerfile });
    expect(afterReadme).not.toBe(before);

    write(root, "vendor/keep/b.js", "b2\n");
    const afterKeep = hashBuildContext({ context: root, dockerfile });
    expect(afterKeep).not.toBe(afterReadme);

    write(root, "vendor/drop/a.js", "a2\n");
    expect(hashBuildContext({ context: root, dockerfile })).toBe(afterKeep);
  });

  it("leaves an excluded Dockerfile and .dockerignore out of the files, as the builder removes them before COPY", () => {
    const root = makeTree({
      ".dockerignore": ".dockerignore\nDockerfile\nsrc/ignored.txt\n",
      // The Dockerfile copies the whole context, so only the ignore file decides what is left out.
      Dockerfile: "FROM scratch\nCOPY . .\n",
      "src/ignored.txt": "x\n",
      "src/kept.txt": "y\n",
    });
    const dockerfile = path.join(root, "Dockerfile");
    expect(listBuildContext({ context: root, dockerfile })).toEqual(["src/", "src/kept.txt"]);
    // The Dockerfile still counts through its content.
    const before = hashBuildContext({ context: root, dockerfile });
    fs.writeFileSync(dockerfile, "FROM scratch\nCOPY . /app\n");
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(before);
  });

  it("gives a new tag when the Dockerfile changes, even when it lives outside the context", () => {
    const root = makeTree(appTree);
    const dockerfile = makeDockerfile("FROM scratch\nCOPY . .\n");
    const before = hashBuildContext({ context: root, dockerfile });
    fs.writeFileSync(dockerfile, "FROM scratch\nCOPY . /app\n");
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(before);
  });

  it("gives a new tag when a build arg changes, but not when the same args come in another order", () => {
    const root = makeTree(appTree);
    const dockerfile = makeDockerfile();
    const base = hashBuildContext({
      context: root,
      dockerfile,
      buildArgs: { A: "1", NODE_IMAGE: "node:20-slim" },
    });
    const reordered = hashBuildContext({
      context: root,
      dockerfile,
      buildArgs: { NODE_IMAGE: "node:20-slim", A: "1" },
    });
    expect(reordered).toBe(base);
    const changed = hashBuildContext({
      context: root,
      dockerfile,
      buildArgs: { A: "1", NODE_IMAGE: "node:20.11-slim" },
    });
    expect(changed).not.toBe(base);
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(base);
  });

  it("gives a new tag for another target stage or platform", () => {
    const root = makeTree(appTree);
    const dockerfile = makeDockerfile();
    const plain = hashBuildContext({ context: root, dockerfile });
    const targeted = hashBuildContext({ context: root, dockerfile, target: "runtime" });
    const arm = hashBuildContext({ context: root, dockerfile, platform: "linux/arm64" });
    expect(new Set([plain, targeted, arm]).size).toBe(3);
  });

  it.skipIf(process.platform === "win32")("gives a new tag when a file becomes executable", () => {
    const root = makeTree({ "entrypoint.sh": "#!/bin/sh\nexec app\n" });
    const dockerfile = makeDockerfile();
    fs.chmodSync(path.join(root, "entrypoint.sh"), 0o644);
    const before = hashBuildContext({ context: root, dockerfile });
    fs.chmodSync(path.join(root, "entrypoint.sh"), 0o755);
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(before);
    // Bits other than the executable one differ between checkouts (umask), so they must not matter.
    fs.chmodSync(path.join(root, "entrypoint.sh"), 0o775);
    fs.chmodSync(path.join(root, "entrypoint.sh"), 0o711);
    expect(hashBuildContext({ context: root, dockerfile })).not.toBe(before);
    fs.chmodSync(path.join(root, "entrypoint.sh"), 0o664);
    expect(hashBuildContext({ context: root, dockerfile })).toBe(before);
  });

  it.skipIf(process.platform === "win32")(
    "hashes a symlink by its target text, not by what it points at",
    () => {
      const root = makeTree({ "data/a.txt": "a\n", "data/b.txt": "b\n" });
      const dockerfile = makeDockerfile();
      fs.symlinkSync("a.txt", path.join(root, "data/current"));
      const toA = hashBuildContext({ context: root, dockerfile });
      fs.unlinkSync(path.join(root, "data/current"));
      fs.symlinkSync("b.txt", path.join(root, "data/current"));
      expect(hashBuildContext({ context: root, dockerfile })).not.toBe(toA);
    },
  );

  it("fails with the missing context's path in the message", () => {
    const missing = path.join(scratch, "no-such-context");
    expect(() => hashBuildContext({ context: missing, dockerfile: makeDockerfile() })).toThrow(missing);
  });

  it("fails with the missing Dockerfile's path in the message", () => {
    const missing = path.join(scratch, "no-such-Dockerfile");
    expect(() => hashBuildContext({ context: makeTree(appTree), dockerfile: missing })).toThrow(missing);
  });
});

describe("pruning ignored directories", () => {
  // Each .dockerignore is checked against a tree that exercises its ! rules: the pruned walk must list exactly
  // what matching every single path with @balena/dockerignore lists.
  /** Every path of the tree (directories with a trailing slash) that the plain matcher keeps. */
  function bruteForce(root: string, rules: string[]): string[] {
    const matcher = createMatcher(rules);
    const kept: string[] = [];
    const visit = (dir: string, rel: string): void => {
      for (const name of fs.readdirSync(dir).sort()) {
        const childRel = rel === "" ? name : `${rel}/${name}`;
        const abs = path.join(dir, name);
        const isDir = fs.statSync(abs).isDirectory();
        if (!matcher.ignores(childRel)) kept.push(isDir ? `${childRel}/` : childRel);
        if (isDir) visit(abs, childRel);
      }
    };
    visit(root, "");
    return kept.sort();
  }

  it.each(ignoreCases.map(({ lines }) => [lines.join(" "), [...lines]]))(
    "sends the same files as matching every path, for .dockerignore: %s",
    (_name, rules) => {
      const root = makeTree({ ...contextTree, ".dockerignore": `${rules.join("\n")}\n` });
      const dockerfile = makeDockerfile();
      const listed = listBuildContext({ context: root, dockerfile });
      expect([...listed].sort()).toEqual(bruteForce(root, rules));
    },
  );

  it("skips an ignored directory only when no ! rule could reach inside it", () => {
    const m = createMatcher(["node_modules", ".next", "!node_modules/keep/**", "!**/*.keep", "!src/*.txt"]);
    expect(m.canSkipDirectory("node_modules/other")).toBe(false); // `**/*.keep` could match inside anything.
    const n = createMatcher(["node_modules", ".next", "!node_modules/keep/**", "!src/*.txt"]);
    expect(n.canSkipDirectory(".next")).toBe(true);
    expect(n.canSkipDirectory("node_modules")).toBe(false);
    expect(n.canSkipDirectory("node_modules/keep")).toBe(false);
    expect(n.canSkipDirectory("node_modules/other")).toBe(true);
    expect(n.canSkipDirectory("src")).toBe(false);
    expect(n.canSkipDirectory("src/sub")).toBe(true);
    expect(createMatcher(["node_modules"]).canSkipDirectory("node_modules")).toBe(true);
  });

  it("matches like Docker: anchored at the root, case-sensitive, * stays within one directory", () => {
    expect(isIgnored(["node_modules"], "node_modules/x/index.js")).toBe(true);
    expect(isIgnored(["node_modules"], "src/node_modules/x.js")).toBe(false);
    expect(isIgnored(["**/node_modules"], "src/node_modules/x.js")).toBe(true);
    expect(isIgnored(["*.md"], "docs/guide.md")).toBe(false);
    expect(isIgnored(["README.md"], "readme.md")).toBe(false);
    expect(isIgnored(["*.md", "!README.md"], "README.md")).toBe(false);
  });
});

describe("imageTag", () => {
  it("is a valid Docker tag made of the hash's first 16 hex digits, never latest", () => {
    const hash = "0123456789abcdef".repeat(4);
    const tag = imageTag(hash);
    expect(tag).toBe("c-0123456789abcdef");
    // Docker's reference grammar for a tag.
    expect(tag).toMatch(/^[\w][\w.-]{0,127}$/);
    expect(tag).not.toBe("latest");
  });

  it("refuses anything that is not a hex sha256", () => {
    expect(() => imageTag("latest")).toThrow(/hex sha256/);
    expect(() => imageTag("ABC")).toThrow(/hex sha256/);
  });
});

describe("hashing speed", () => {
  let root = "";
  const dockerfile = makeDockerfile();

  beforeAll(() => {
    // A frontend-shaped context: a handful of sources beside 20,000 files that .dockerignore leaves out.
    root = makeTree({
      ".dockerignore": "node_modules\n.next\n",
      "package.json": "{}\n",
      "app/page.tsx": "export default function Page() { return null; }\n",
    });
    for (let pkg = 0; pkg < 100; pkg++) {
      const dir = path.join(root, "node_modules", `pkg-${pkg}`, "lib");
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `f${f}.js`), `module.exports = ${f};\n`);
    }
    for (let chunk = 0; chunk < 100; chunk++) {
      const dir = path.join(root, ".next", "cache", `c${chunk}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `${f}.pack`), `${chunk}:${f}\n`);
    }
  }, 120_000);

  it("hashes a context with 20,000 ignored files under node_modules and .next in well under a second", () => {
    hashBuildContext({ context: root, dockerfile }); // Warms the module and the file system cache.
    const start = process.hrtime.bigint();
    const hash = hashBuildContext({ context: root, dockerfile });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(
      `hashBuildContext: 20,000 ignored files + 3 sent: ${ms.toFixed(1)} ms (tag ${imageTag(hash)})`,
    );
    expect(ms).toBeLessThan(1000);
    expect(listBuildContext({ context: root, dockerfile })).toEqual([
      ".dockerignore",
      "app/",
      "app/page.tsx",
      "package.json",
    ]);
  });
});

describe("the real frontend context", () => {
  const context = path.join(repoRoot, "app", "frontend");
  const nodeModules = path.join(context, "node_modules");
  const present = fs.existsSync(nodeModules);
  if (!present) console.log(`SKIP: ${nodeModules} does not exist (run npm ci in app/frontend to check it)`);

  it.skipIf(!present)("keeps app/frontend's tag when a file under its node_modules changes", () => {
    const realDockerfile = path.join(repoRoot, "docker", "frontend", "Dockerfile");
    const dockerfile = fs.existsSync(realDockerfile) ? realDockerfile : makeDockerfile();
    const start = process.hrtime.bigint();
    const before = hashBuildContext({ context, dockerfile });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`hashBuildContext(app/frontend): ${ms.toFixed(1)} ms`);
    const probe = path.join(nodeModules, `.context-hash-probe-${process.pid}`);
    try {
      fs.writeFileSync(probe, `${Date.now()}\n`);
      expect(hashBuildContext({ context, dockerfile })).toBe(before);
    } finally {
      fs.rmSync(probe, { force: true });
    }
  });
});
