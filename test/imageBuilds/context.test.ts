import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { listBuildContext } from "../../images/contextHash";
import { contextTree, ignoreCases } from "../support/contextFixtures";
import { dockerEngineAvailable } from "./imageHarness";

// Any image with a shell and `find` will do; the Node stand-in is the one this machine always has.
const base = process.env.TEST_NODE_IMAGE || "local/node:20-slim";
const engine = dockerEngineAvailable();
const baseReady = engine && spawnSync("docker", ["image", "inspect", base]).status === 0;
if (!engine) console.log("SKIP: no Docker engine");
else if (!baseReady)
  console.log(
    `SKIP: build context check: base image ${base} is missing (pull or build it, or set TEST_NODE_IMAGE to an image with a shell, e.g. node:20-bookworm-slim)`,
  );

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "context-vs-docker-"));
const images: string[] = [];
afterAll(() => {
  for (const image of images) spawnSync("docker", ["rmi", "-f", image]);
  fs.rmSync(scratch, { recursive: true, force: true });
});

function docker(args: string[]): string {
  const r = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The files (not directories: COPY creates the parents of re-included files anyway) a real build receives. */
function filesDockerSends(context: string, dockerfile: string, n: number): string[] {
  const image = `todo-context-check:${process.pid}-${n}`;
  docker(["build", "-q", "-f", dockerfile, "-t", image, context]);
  images.push(image);
  const out = docker([
    "run",
    "--rm",
    "--entrypoint",
    "find",
    image,
    "/ctx",
    "-mindepth",
    "1",
    "!",
    "-type",
    "d",
  ]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice("/ctx/".length))
    .sort();
}

describe.skipIf(!baseReady)("the files the content hash covers", () => {
  it.each(ignoreCases.map((c, i) => [c.lines.join(" "), c, i] as const))(
    "are the files docker build sends, for .dockerignore: %s",
    (_name, { lines, dockerPrunesMore }, i) => {
      const context = path.join(scratch, `ctx-${i}`);
      for (const [rel, content] of Object.entries(contextTree)) {
        fs.mkdirSync(path.dirname(path.join(context, rel)), { recursive: true });
        fs.writeFileSync(path.join(context, rel), content);
      }
      fs.writeFileSync(path.join(context, ".dockerignore"), `${lines.join("\n")}\n`);
      // Outside the context, as in this repository, so the Dockerfile is not among the copied files.
      const dockerfile = path.join(scratch, `Dockerfile-${i}`);
      fs.writeFileSync(dockerfile, `FROM ${base}\nCOPY . /ctx\n`);

      const hashed = listBuildContext({ context, dockerfile })
        .filter((p) => !p.endsWith("/"))
        .sort();
      const sent = filesDockerSends(context, dockerfile, i);
      const missed = sent.filter((p) => !hashed.includes(p));
      const extra = hashed.filter((p) => !sent.includes(p));
      if (extra.length > 0)
        console.log(`.dockerignore ${lines.join(" ")}: hashed but not sent: ${extra.join(", ")}`);
      // A file Docker sends but the hash misses would let an edit ship under an old tag: never acceptable.
      expect(missed).toEqual([]);
      // Hashing more than Docker sends can only cost a spurious rebuild, and only happens for wildcard `!` rules.
      if (!dockerPrunesMore) expect(extra).toEqual([]);
    },
  );

  it("leave out an excluded Dockerfile and .dockerignore inside the context, as the builder does", () => {
    const context = path.join(scratch, "ctx-self-excluded");
    fs.mkdirSync(path.join(context, "src"), { recursive: true });
    fs.writeFileSync(path.join(context, "src", "app.js"), "x\n");
    fs.writeFileSync(path.join(context, ".dockerignore"), "Dockerfile\n.dockerignore\n");
    const dockerfile = path.join(context, "Dockerfile");
    fs.writeFileSync(dockerfile, `FROM ${base}\nCOPY . /ctx\n`);
    const hashed = listBuildContext({ context, dockerfile }).filter((p) => !p.endsWith("/"));
    expect(filesDockerSends(context, dockerfile, ignoreCases.length)).toEqual(hashed);
    expect(hashed).toEqual(["src/app.js"]);
  });
});
