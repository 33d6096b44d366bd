/** This project's per-stack lock (scripts/lib/stackLock.ts): one run of a stack at a time, stale locks taken over. */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { UserError } from "../../scripts/lib/errors";
import { acquireStackLock, lockFileFor, pidIsAlive, stackLockKey } from "../../scripts/lib/stackLock";

const PROJECT = path.resolve(__dirname, "..", "..");
const BACKEND = "file:///work/main/.pulumi-state";

describe("acquireStackLock", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-lock-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const options = (pid: number, command = "up") => ({
    backendUrl: BACKEND,
    stackKey: "dev",
    stackName: "dev",
    command,
    dir,
    pid,
    isAlive: (p: number) => p === 1001 || p === 1002,
  });

  it("refuses a second acquisition while the first holder runs, naming it", () => {
    const first = acquireStackLock(options(1001));
    let error: unknown;
    try {
      acquireStackLock(options(1002, "preview"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain('Stack "dev" is busy: `npm run up` of it is running');
    expect((error as Error).message).toContain("pid 1001");
    first.release();
    acquireStackLock(options(1002)).release();
  });

  it("takes over a lock whose pid no longer runs", () => {
    acquireStackLock(options(999_001));
    const taken = acquireStackLock(options(1001));
    expect(JSON.parse(fs.readFileSync(taken.file, "utf8"))).toMatchObject({ pid: 1001 });
    taken.release();
    expect(fs.existsSync(taken.file)).toBe(false);
  });

  it("takes over an unreadable lock (its holder died between create and write)", () => {
    fs.writeFileSync(lockFileFor(dir, BACKEND, "dev"), "");
    expect(() => acquireStackLock(options(1001)).release()).not.toThrow();
  });

  it("keys by backend and stack, and a DIY backend's qualified names by the stack alone", () => {
    expect(lockFileFor(dir, BACKEND, "dev")).not.toBe(lockFileFor(dir, "file:///other", "dev"));
    expect(stackLockKey("organization/todo-app/dev", "diy")).toBe("dev");
    expect(stackLockKey("organization/dev", "diy")).toBe("dev");
    expect(stackLockKey("acme/dev", "cloud")).toBe("acme/dev");
    const file = lockFileFor(dir, "s3://key:secret@bucket", "dev");
    expect(path.basename(file)).not.toContain("secret");
  });

  it("knows a live pid from a dead one", () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    const done = spawnSync(process.execPath, ["-e", "0"]);
    expect(pidIsAlive(done.pid ?? 0)).toBe(false);
    expect(pidIsAlive(0)).toBe(false);
  });

  /** A real process holding the lock: the `-e` script acquires it and waits for stdin to close, or exits. */
  function holder(exitAtOnce: boolean) {
    const script =
      `const { acquireStackLock } = require("./scripts/lib/stackLock");` +
      `acquireStackLock({ backendUrl: ${JSON.stringify(BACKEND)}, stackKey: "dev", stackName: "dev", command: "up", dir: ${JSON.stringify(dir)} });` +
      `console.log("held");` +
      (exitAtOnce
        ? "process.exit(0);"
        : `process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`);
    return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: PROJECT,
      stdio: ["pipe", "pipe", "inherit"],
    });
  }

  it("across processes: busy while another process holds it, free once that process exits", async () => {
    const other = holder(false);
    await new Promise<void>((resolve) =>
      other.stdout.on("data", (d: Buffer) => d.includes("held") && resolve()),
    );
    const mine = { backendUrl: BACKEND, stackKey: "dev", stackName: "dev", command: "up", dir };
    expect(() => acquireStackLock(mine)).toThrow(`pid ${other.pid}`);
    const exited = new Promise((resolve) => other.on("exit", resolve));
    other.stdin.end();
    await exited;
    expect(fs.existsSync(lockFileFor(dir, BACKEND, "dev"))).toBe(false);
    acquireStackLock(mine).release();
  });

  it("is removed when its process exits by process.exit", async () => {
    const other = holder(true);
    const code = await new Promise((resolve) => other.on("exit", resolve));
    expect(code).toBe(0);
    expect(fs.existsSync(lockFileFor(dir, BACKEND, "dev"))).toBe(false);
  });

  it("a holder killed outright leaves a stale lock, which the next run takes over", async () => {
    const other = holder(false);
    await new Promise<void>((resolve) =>
      other.stdout.on("data", (d: Buffer) => d.includes("held") && resolve()),
    );
    const exited = new Promise((resolve) => other.on("exit", resolve));
    other.kill("SIGKILL");
    await exited;
    expect(fs.existsSync(lockFileFor(dir, BACKEND, "dev"))).toBe(true);
    acquireStackLock({
      backendUrl: BACKEND,
      stackKey: "dev",
      stackName: "dev",
      command: "up",
      dir,
    }).release();
  });
});
