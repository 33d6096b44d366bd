/**
 * Ctrl-C during a Pulumi operation (scripts/lib/interrupt.ts). What the design rests on, read in the sources:
 * - node_modules/@pulumi/pulumi/automation/cmd.js, exec(): the CLI runs under execa (not detached, so in this
 *   process's group, which a terminal Ctrl-C signals whole); the `signal` option of UpOptions, DestroyOptions and
 *   PreviewOptions (automation/stack.d.ts) makes an abort send `proc.kill("SIGINT", {forceKillAfterTimeout: false})`.
 * - node_modules/execa/lib/kill.js, setExitHandler (the `cleanup` option, on by default): signal-exit kills the
 *   child with SIGTERM when node exits; node_modules/signal-exit/index.js does that on SIGINT only when its own is
 *   the sole SIGINT listener, then re-raises SIGINT: the SIGTERM that became the CLI's second interrupt.
 * - pulumi/pulumi pkg/backend/cancellation_scope.go: the CLI listens for os.Interrupt and SIGTERM alike; the first
 *   cancels ("^C received; cancelling. If you would like to terminate immediately, press ^C again."), any later
 *   one terminates ("^C received; terminating"). sdk/go/common/util/cmdutil/term_unix.go: the CLI itself stops
 *   its plugins with SIGINT to their process group, so they need nothing from us.
 * - pulumi/pulumi pkg/backend/diy/lock.go (stackLockDir, lockPath, lockContent) and backend.go
 *   (FullyQualifiedName; CancelCurrentUpdate deletes every lock file of the stack, which is why a bare
 *   `pulumi cancel` is never advised).
 * - npm's @npmcli/run-script lib/signal-manager.js forwards SIGINT and SIGTERM to the script: node can get a
 *   terminal Ctrl-C twice, and only one may reach the CLI.
 */
import { type ChildProcess, spawn } from "child_process";
import { EventEmitter } from "events";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  type CliOptions,
  InterruptedError,
  type SignalSource,
  describeStackState,
  fileBackendDir,
  interruptible,
  pulumiLocks,
} from "../../scripts/lib/interrupt";

const PROJECT = path.resolve(__dirname, "..", "..");

/** A fake stack whose up() runs until aborted, counting the cancels it was sent. */
function fakeStack(): { cancels: number; up: (cli: CliOptions) => Promise<never> } {
  const stack = {
    cancels: 0,
    up: (cli: CliOptions) =>
      new Promise<never>((_resolve, reject) => {
        cli.signal.addEventListener("abort", () => {
          stack.cancels++;
          setTimeout(() => reject(new Error("update canceled")), 20);
        });
      }),
  };
  return stack;
}

function collect(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

const quietOutput = { onOutput: () => undefined, color: "never" as const };

describe("interruptible, in process", () => {
  it("forwards one cancel when the CLI did not get the interrupt, then prints the state and throws 130", async () => {
    const signals = new EventEmitter() as EventEmitter & SignalSource;
    const stack = fakeStack();
    const { lines, log } = collect();
    const running = interruptible({
      operation: "update",
      stackName: "dev",
      output: quietOutput,
      run: (cli) => stack.up(cli),
      describeState: () => Promise.resolve(['State of stack "dev": last update failed; lock: none remains.']),
      log,
      signals,
      graceMs: 10,
    });
    signals.emit("SIGINT");
    signals.emit("SIGINT");
    signals.emit("SIGTERM");
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect(stack.cancels).toBe(1);
    expect(lines.some((l) => l.startsWith('State of stack "dev"'))).toBe(true);
    expect(lines.filter((l) => l.includes("received again"))).toHaveLength(2);
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  it("forwards nothing when the CLI says it received the interrupt itself", async () => {
    const signals = new EventEmitter() as EventEmitter & SignalSource;
    let aborted = false;
    const { log } = collect();
    const running = interruptible({
      operation: "update",
      stackName: "dev",
      output: quietOutput,
      run: (cli) =>
        new Promise<never>((_resolve, reject) => {
          cli.signal.addEventListener("abort", () => (aborted = true));
          signals.once("SIGINT", () => {
            // The terminal's SIGINT reached the CLI too; it says so, split across two chunks.
            cli.onOutput("^C received; ");
            cli.onOutput("cancelling. If you would like to terminate immediately, press ^C again.\n");
            setTimeout(() => reject(new Error("update canceled")), 50);
          });
        }),
      describeState: () => Promise.resolve(["state"]),
      log,
      signals,
      graceMs: 20,
    });
    signals.emit("SIGINT");
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(aborted).toBe(false);
  });

  it("passes a result or an error through untouched when nothing interrupts it", async () => {
    const signals = new EventEmitter() as EventEmitter & SignalSource;
    const base = {
      operation: "update",
      stackName: "dev",
      output: quietOutput,
      log: () => undefined,
      signals,
    };
    const describeState = () => Promise.resolve([]);
    await expect(interruptible({ ...base, describeState, run: () => Promise.resolve(7) })).resolves.toBe(7);
    await expect(
      interruptible({ ...base, describeState, run: () => Promise.reject(new Error("boom")) }),
    ).rejects.toThrow("boom");
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });
});

describe("the state after an interrupt", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interrupt-state-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeLock(pid: number, timestamp: string): string {
    const lockDir = path.join(dir, ".pulumi", "locks", "organization", "todo-app", "dev");
    fs.mkdirSync(lockDir, { recursive: true });
    const file = path.join(lockDir, `id-${pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ pid, username: "u", hostname: "here", timestamp }));
    return file;
  }

  it("reads the DIY backend's lock files of the stack", () => {
    expect(pulumiLocks(dir, "todo-app", "dev")).toEqual([]);
    const file = writeLock(42, "2030-01-01T00:00:00Z");
    expect(pulumiLocks(dir, "todo-app", "dev")).toEqual([
      { file, pid: 42, hostname: "here", timestamp: "2030-01-01T00:00:00Z" },
    ]);
  });

  it("says no lock remains, and advises nothing, after a clean cancel", async () => {
    const lines = await describeStackState({
      stackName: "dev",
      startedAt: new Date(),
      isAlive: () => false,
      lastUpdate: () => Promise.resolve({ kind: "update", result: "failed", startTime: new Date(0) }),
      locks: () => [],
    });
    expect(lines).toEqual([
      'State of stack "dev": last update failed (started 1970-01-01T00:00:00.000Z); lock: none remains.',
    ]);
  });

  it("advises `npm run pulumi -- cancel --stack`, with its warning, only for this run's own dead lock", async () => {
    const startedAt = new Date("2030-01-01T00:00:00Z");
    const base = {
      stackName: "dev",
      startedAt,
      hostname: "here",
      lastUpdate: () => Promise.resolve(undefined),
    };
    writeLock(42, "2030-01-01T00:00:05Z");
    const ours = (
      await describeStackState({
        ...base,
        isAlive: () => false,
        locks: () => pulumiLocks(dir, "todo-app", "dev"),
      })
    ).join("\n");
    expect(ours).toContain("no longer running");
    expect(ours).toContain("`npm run pulumi -- cancel --stack dev`");
    expect(ours).toContain("removes every lock of the stack, a concurrent run's included");

    const others = (
      await describeStackState({
        ...base,
        isAlive: () => true,
        locks: () => pulumiLocks(dir, "todo-app", "dev"),
      })
    ).join("\n");
    expect(others).not.toContain("cancel");
    expect(others).toContain("Another Pulumi command holds the stack's lock");

    const older = new Date("2031-01-01T00:00:00Z");
    const stale = (
      await describeStackState({
        ...base,
        startedAt: older,
        isAlive: () => false,
        locks: () => pulumiLocks(dir, "todo-app", "dev"),
      })
    ).join("\n");
    expect(stale).not.toContain("cancel --stack");
  });

  it("never advises a bare `pulumi cancel`", async () => {
    writeLock(42, "2030-01-01T00:00:05Z");
    const text = (
      await describeStackState({
        stackName: "dev",
        startedAt: new Date(0),
        hostname: "here",
        isAlive: () => false,
        lastUpdate: () => Promise.resolve({ kind: "update", result: "in-progress" }),
        locks: () => pulumiLocks(dir, "todo-app", "dev"),
      })
    ).join("\n");
    expect(text).not.toMatch(/(^|[^-] )pulumi cancel/);
    expect(text).toContain("still in progress");
  });

  it("finds a file backend's folder", () => {
    expect(fileBackendDir("file:///srv/state")).toBe("/srv/state");
    expect(fileBackendDir("file://~")).toBe(os.homedir());
    expect(fileBackendDir("s3://bucket")).toBeUndefined();
  });
});

describe("a real SIGINT to a real process", () => {
  let dir: string;
  let signalLog: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interrupt-harness-"));
    fs.mkdirSync(path.join(dir, "bin"));
    const fake = path.join(dir, "bin", "pulumi");
    fs.copyFileSync(path.join(__dirname, "fakePulumi.cjs"), fake);
    fs.chmodSync(fake, 0o755);
    signalLog = path.join(dir, "signals.log");
  });
  afterEach(() => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the harness as the leader of its own process group (as a terminal's foreground job is), waits for the
   * fake CLI to run, sends the signals, and resolves with the exit and the output.
   */
  function runHarness(
    mode: "guarded" | "bare",
    send: (pid: number) => void,
  ): Promise<{ code: number | null; stdout: string; signals: string[] }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HARNESS_MODE: mode,
      HARNESS_GRACE_MS: "500",
      FAKE_PULUMI_ROOT: dir,
      FAKE_PULUMI_SIGNALS: signalLog,
    };
    delete env.PULUMI_STACK;
    const spawned = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "interruptHarness.ts")],
      { cwd: PROJECT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    child = spawned;
    let stdout = "";
    let sent = false;
    return new Promise((resolve) => {
      const onData = (data: Buffer) => {
        stdout += data.toString();
        if (!sent && stdout.includes("fake-pulumi: started")) {
          sent = true;
          send(spawned.pid as number);
        }
      };
      spawned.stdout.on("data", onData);
      spawned.stderr.on("data", onData);
      spawned.on("exit", (code) => {
        const signals = fs.existsSync(signalLog) ? fs.readFileSync(signalLog, "utf8").trim().split("\n") : [];
        resolve({ code, stdout, signals });
      });
    });
  }

  it("without the guard, a terminal Ctrl-C gives the CLI SIGINT and then SIGTERM (the bug)", async () => {
    const result = await runHarness("bare", (pid) => process.kill(-pid, "SIGINT"));
    expect(result.signals).toEqual(["SIGINT", "SIGTERM"]);
  });

  it("a terminal Ctrl-C (SIGINT to the whole group): the CLI gets it once, the state is printed, exit 130", async () => {
    const result = await runHarness("guarded", (pid) => process.kill(-pid, "SIGINT"));
    expect(result.signals).toEqual(["SIGINT"]);
    expect(result.stdout).toContain('State of stack "dev": last update failed');
    expect(result.stdout).toContain("lock: none remains");
    expect(result.code).toBe(130);
  });

  it("npm forwarding the terminal's SIGINT again: still one interrupt for the CLI", async () => {
    const result = await runHarness("guarded", (pid) => {
      process.kill(-pid, "SIGINT");
      process.kill(pid, "SIGINT");
    });
    expect(result.signals).toEqual(["SIGINT"]);
    expect(result.code).toBe(130);
  });

  it("a SIGINT to node alone: one SIGINT is forwarded through the Automation API's signal, exit 130", async () => {
    const result = await runHarness("guarded", (pid) => process.kill(pid, "SIGINT"));
    expect(result.signals).toEqual(["SIGINT"]);
    expect(result.stdout).toContain("sending it one (SIGINT)");
    expect(result.stdout).toContain('State of stack "dev"');
    expect(result.code).toBe(130);
  });
});
