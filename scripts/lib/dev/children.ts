/**
 * Supervision of the long-running processes `npm run dev` starts (port-forwards, log streams) and of its short
 * kubectl queries, so that none outlives the loop.
 *
 * Each child runs in a process group of its own (`detached: true`): a terminal Ctrl-C signals the foreground group
 * only, so the children keep running until the loop, which is cancelling an update meanwhile, decides to stop
 * them; and a stop signals the whole group, which also reaches what the child started itself (`minikube kubectl
 * --` runs kubectl as its child). A stop is SIGTERM to the group, then SIGKILL after a short grace. The last
 * resort is a synchronous `process.on("exit")` hook that SIGKILLs every group still known, for a parent that ends
 * normally or on an error without calling stopAll(); a parent killed by an uncaught signal runs no hook at all.
 */
import { type ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as readline from "readline";

import type { CommandResult } from "../../../host/process";

export interface ChildSpec {
  /** For messages, e.g. `port-forward svc/todo-frontend`. */
  readonly name: string;
  readonly command: string;
  /** Passed as a list: no shell ever parses them. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Each line of stdout, without its line end, in order. */
  readonly onStdout?: (line: string) => void;
  /** Each line of stderr, without its line end, in order. */
  readonly onStderr?: (line: string) => void;
}

export interface ChildExit {
  /** The exit code, or null when the child was ended by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the command could not be started (for example, not installed). */
  readonly error?: Error;
  /** True when the exit followed a stop() or stopAll(). */
  readonly stopped: boolean;
}

export interface SupervisedChild {
  readonly name: string;
  /** The child's pid, which is also its process group's id; undefined when it could not be started. */
  readonly pid: number | undefined;
  /** Resolves once the child has exited, every line of its output was delivered and its group is empty. */
  readonly exited: Promise<ChildExit>;
  readonly running: boolean;
  /** SIGTERM to the group, SIGKILL after the grace; resolves with the exit. Idempotent. */
  stop(): Promise<ChildExit>;
}

export interface Children {
  start(spec: ChildSpec): SupervisedChild;
  /** Runs a command to its end and captures its output (a kubectl query), supervised like any other child. */
  capture(
    spec: Omit<ChildSpec, "onStdout" | "onStderr">,
    options?: { timeoutMs?: number },
  ): Promise<CommandResult>;
  /** The children still running. */
  readonly running: readonly SupervisedChild[];
  /** True once stopAll() was called: nothing may be started any more. */
  readonly stopping: boolean;
  /** Stops every child and resolves only once all have exited; later start() calls are refused. */
  stopAll(): Promise<void>;
}

export interface ChildrenOptions {
  /** How long a stopped group has between SIGTERM and SIGKILL. */
  readonly graceMs?: number;
}

export const DEFAULT_GRACE_MS = 2000;
const POLL_MS = 20;

/** Every process group any supervisor started and has not seen end: what the exit hook kills. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * SIGKILLs every process group still running, synchronously: the exit hook's last resort, also for a signal
 * handler that must end the parent at once (a SIGHUP from a closed terminal reaches only the terminal's session,
 * which the children, each in a session of its own, are not part of).
 */
export function killAllNow(): void {
  for (const pgid of liveGroups) {
    signalGroup(pgid, "SIGKILL");
  }
}

function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on("exit", killAllNow);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether any process of the group still runs. A zombie does not count: it has ended and only waits for its
 * parent (or, orphaned, for PID 1) to collect its status, which some container inits never do.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") {
    return true;
  }
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return true;
  }
  return entries.some((pid) => {
    try {
      // The command name in parentheses may contain spaces; the fields after it are fixed: state, ppid, pgrp.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(pgrp) === pgid && state !== "Z";
    } catch {
      return false;
    }
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      return false;
    }
    await sleep(POLL_MS);
  }
  return true;
}

function lines(stream: NodeJS.ReadableStream | null, onLine?: (line: string) => void): Promise<void> {
  if (!stream) {
    return Promise.resolve();
  }
  if (!onLine) {
    stream.resume();
    return new Promise((resolve) => stream.once("end", resolve).once("error", () => resolve()));
  }
  const reader = readline.createInterface({ input: stream, crlfDelay: Infinity });
  reader.on("line", onLine);
  return new Promise((resolve) => reader.once("close", resolve));
}

export function createChildren(options: ChildrenOptions = {}): Children {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const children = new Set<SupervisedChild>();
  let closed = false;

  const start = (spec: ChildSpec): SupervisedChild => {
    if (closed) {
      throw new Error(`cannot start ${spec.name}: the development loop is stopping`);
    }
    installExitHook();
    let stopRequested = false;
    let running = true;
    let stopping: Promise<ChildExit> | undefined;
    const proc: ChildProcess = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    const pid = proc.pid;
    if (pid !== undefined) {
      liveGroups.add(pid);
    }
    const output = Promise.all([lines(proc.stdout, spec.onStdout), lines(proc.stderr, spec.onStderr)]);
    const exited = new Promise<ChildExit>((resolve) => {
      let startError: Error | undefined;
      proc.once("error", (error) => {
        startError = error;
        if (pid === undefined) {
          resolve({ code: null, signal: null, error, stopped: stopRequested });
        }
      });
      proc.once("exit", (code, signal) => {
        void (async () => {
          if (pid !== undefined) {
            // The leader is gone; whatever it started in its group goes with it.
            if (groupAlive(pid)) {
              signalGroup(pid, "SIGTERM");
              if (!(await waitGroupGone(pid, graceMs))) {
                signalGroup(pid, "SIGKILL");
                await waitGroupGone(pid, graceMs);
              }
            }
            liveGroups.delete(pid);
          }
          // A pipe held open by a process outside the group must not hold the exit up for ever.
          await Promise.race([output, sleep(graceMs)]);
          proc.stdout?.destroy();
          proc.stderr?.destroy();
          resolve({ code, signal, error: startError, stopped: stopRequested });
        })();
      });
    }).finally(() => {
      running = false;
      children.delete(child);
    });

    const child: SupervisedChild = {
      name: spec.name,
      pid,
      exited,
      get running() {
        return running;
      },
      stop() {
        stopping ??= (async () => {
          stopRequested = true;
          if (pid !== undefined && running) {
            signalGroup(pid, "SIGTERM");
            const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
            try {
              return await exited;
            } finally {
              clearTimeout(timer);
            }
          }
          return exited;
        })();
        return stopping;
      },
    };
    children.add(child);
    return child;
  };

  const capture: Children["capture"] = async (spec, captureOptions = {}) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const child = start({ ...spec, onStdout: (l) => stdout.push(l), onStderr: (l) => stderr.push(l) });
    const timeoutMs = captureOptions.timeoutMs ?? 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void child.stop();
    }, timeoutMs);
    const exit = await child.exited;
    clearTimeout(timer);
    const error =
      exit.error ??
      (timedOut ? new Error(`${spec.name} did not finish within ${timeoutMs / 1000}s`) : undefined);
    return {
      status: exit.code,
      stdout: stdout.join("\n"),
      stderr: stderr.join("\n"),
      error,
    };
  };

  return {
    start,
    capture,
    get running() {
      return [...children];
    },
    get stopping() {
      return closed;
    },
    async stopAll() {
      closed = true;
      // A child started while the others stop is stopped too, until none is left.
      while (children.size > 0) {
        await Promise.all([...children].map((child) => child.stop()));
      }
    },
  };
}
