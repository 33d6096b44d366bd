/**
 * scripts/lib/dev/children.ts with real processes: each child in its own process group (node's `detached: true`
 * is setsid() on POSIX, so the child's pid is its group's id), output split in lines, and nothing left running
 * after stop(), stopAll() or the parent's exit, grandchildren in the group included.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";

import { type Children, createChildren } from "../../../scripts/lib/dev/children";
import { isRunning, until } from "./fakeCluster";

const NODE = process.execPath;
/** A node child that starts `n` grandchildren (sleeping node processes) in its group and prints their pids. */
const WITH_GRANDCHILDREN = (n: number, ignoreTerm = false): string[] => [
  "-e",
  `${ignoreTerm ? "process.on('SIGTERM',()=>{});" : ""}` +
    `const {spawn}=require('child_process');` +
    `for(let i=0;i<${n};i++){const g=spawn(process.execPath,['-e','${ignoreTerm ? "process.on(\\'SIGTERM\\',()=>{});" : ""}setInterval(()=>{},1000)'],{stdio:'ignore'});console.log('grandchild '+g.pid);}` +
    `console.log('ready');setInterval(()=>{},1000);`,
];

let children: Children | undefined;
afterEach(async () => {
  await children?.stopAll();
  children = undefined;
});

function grandchildPids(lines: string[]): number[] {
  return lines.filter((l) => l.startsWith("grandchild ")).map((l) => Number(l.split(" ")[1]));
}

describe("children", () => {
  it("splits stdout and stderr into lines, in order, partial last line included", async () => {
    children = createChildren();
    const out: string[] = [];
    const err: string[] = [];
    const child = children.start({
      name: "printer",
      command: NODE,
      args: ["-e", "process.stdout.write('a\\nb\\r\\nc');process.stderr.write('x\\ny\\n')"],
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
    });
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 0, stopped: false });
    expect(out).toEqual(["a", "b", "c"]);
    expect(err).toEqual(["x", "y"]);
  });

  it("runs each child in a process group of its own, so a terminal's group signal does not reach it", async () => {
    children = createChildren();
    const out: string[] = [];
    const child = children.start({
      name: "g",
      command: NODE,
      args: WITH_GRANDCHILDREN(1),
      onStdout: (l) => out.push(l),
    });
    await until("the child to start", () => out.includes("ready"));
    const pgid = Number(fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ")[2]);
    expect(pgid).toBe(child.pid);
    expect(pgid).not.toBe(Number(fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[2]));
  });

  it("stopAll() resolves only when every child and grandchild has exited", async () => {
    children = createChildren({ graceMs: 300 });
    const out: string[] = [];
    const started = [0, 1, 2].map((i) =>
      children!.start({
        name: `c${i}`,
        command: NODE,
        args: WITH_GRANDCHILDREN(2),
        onStdout: (l) => out.push(l),
      }),
    );
    await until("all children ready", () => out.filter((l) => l === "ready").length === 3);
    const pids = [...started.map((c) => c.pid!), ...grandchildPids(out)];
    expect(pids).toHaveLength(9);
    expect(pids.every(isRunning)).toBe(true);
    await children.stopAll();
    expect(pids.filter(isRunning)).toEqual([]);
    expect(children.running).toEqual([]);
    expect(() => children!.start({ name: "late", command: NODE, args: ["-e", ""] })).toThrow(/stopping/);
  });

  it("SIGKILLs a group that ignores SIGTERM once the grace has passed", async () => {
    children = createChildren({ graceMs: 200 });
    const out: string[] = [];
    const child = children.start({
      name: "stubborn",
      command: NODE,
      args: WITH_GRANDCHILDREN(1, true),
      onStdout: (l) => out.push(l),
    });
    await until("ready", () => out.includes("ready"));
    const started = Date.now();
    const exit = await child.stop();
    expect(exit).toMatchObject({ signal: "SIGKILL", stopped: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect([child.pid!, ...grandchildPids(out)].filter(isRunning)).toEqual([]);
  });

  it("ends the rest of the group when the child itself exits on its own", async () => {
    children = createChildren({ graceMs: 300 });
    const out: string[] = [];
    const child = children.start({
      name: "leader-exits",
      command: NODE,
      args: [
        "-e",
        "const g=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});" +
          "console.log('grandchild '+g.pid);setTimeout(()=>process.exit(3),100);",
      ],
      onStdout: (l) => out.push(l),
    });
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 3, stopped: false });
    expect(grandchildPids(out).filter(isRunning)).toEqual([]);
  });

  it("capture() returns the output and status, and a command that is not there as an error", async () => {
    children = createChildren();
    const ok = await children.capture({
      name: "q",
      command: NODE,
      args: ["-e", "console.log('{}');process.exit(2)"],
    });
    expect(ok).toMatchObject({ status: 2, stdout: "{}", stderr: "" });
    const missing = await children.capture({
      name: "nope",
      command: "definitely-not-a-command-xyz",
      args: [],
    });
    expect(missing.status).toBeNull();
    expect(missing.error?.message).toMatch(/ENOENT/);
    const slow = await children.capture(
      { name: "slow", command: NODE, args: ["-e", "setInterval(()=>{},1000)"] },
      { timeoutMs: 100 },
    );
    expect(slow.error?.message).toMatch(/did not finish within 0.1s/);
  });

  it("kills what is left when the parent exits without stopAll (the exit hook)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "children-exit-"));
    const pidsFile = path.join(dir, "pids");
    const script = path.join(dir, "parent.ts");
    const module = path.resolve(__dirname, "../../../scripts/lib/dev/children");
    fs.writeFileSync(
      script,
      `import * as fs from "fs";\nimport { createChildren } from ${JSON.stringify(module)};\n` +
        `const c = createChildren();\nconst pids: number[] = [];\n` +
        `const child = c.start({ name: "x", command: process.execPath, args: ${JSON.stringify(WITH_GRANDCHILDREN(1))},\n` +
        `  onStdout: (l) => { if (l.startsWith("grandchild ")) pids.push(Number(l.split(" ")[1]));\n` +
        `    if (l === "ready") { fs.writeFileSync(${JSON.stringify(pidsFile)}, [child.pid, ...pids].join("\\n")); process.exit(0); } } });\n`,
    );
    const project = path.resolve(__dirname, "../../..");
    const parent = spawn(NODE, ["-r", "ts-node/register/transpile-only", script], {
      cwd: project,
      env: { ...process.env, TS_NODE_PROJECT: path.join(project, "tsconfig.json") },
      stdio: "inherit",
    });
    const code = await new Promise<number | null>((resolve) => parent.once("exit", resolve));
    expect(code).toBe(0);
    const pids = fs.readFileSync(pidsFile, "utf8").split("\n").map(Number);
    expect(pids).toHaveLength(2);
    // SIGKILL is delivered at once, but the dead are collected asynchronously.
    await until("the group to be gone", () => pids.every((p) => !isRunning(p)), 3000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
