/**
 * Ctrl-C during a Pulumi operation: the CLI gets exactly one interrupt, this process waits for it to finish
 * cancelling, says what state the stack is in, and exits 130.
 *
 * Why this is needed (the sources are cited in test/scripts/interrupt.test.ts):
 * - A terminal Ctrl-C sends SIGINT to the whole foreground process group: npm, node and the `pulumi` child the
 *   Automation API started (execa, not detached) each get it. The CLI's first SIGINT or SIGTERM cancels (the
 *   steps in flight finish, the lock is released); its second terminates at once (pkg/backend/cancellation_scope.go).
 * - Without a SIGINT listener of our own, node's SIGINT is handled by signal-exit, which execa registers for its
 *   `cleanup` option: it kills the child with SIGTERM (that second interrupt) and re-raises SIGINT, so node dies.
 *   Any listener of ours keeps signal-exit out (it acts only when it is the sole listener).
 * - The Automation API's `signal` option (UpOptions, DestroyOptions, PreviewOptions) sends the child SIGINT on
 *   abort (automation/cmd.js). After a terminal Ctrl-C the child already has one, so aborting too would be the
 *   second. So: when the CLI says it received the interrupt ("^C received; cancelling"), nothing is forwarded;
 *   when it says nothing within a grace period (the SIGINT went to this process alone: `kill -INT <pid>`, or
 *   npm forwarding a SIGTERM), the abort forwards one. Later signals are never forwarded.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type InterruptSignal = "SIGINT" | "SIGTERM";
const SIGNALS: readonly InterruptSignal[] = ["SIGINT", "SIGTERM"];

/** Where signals arrive: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: InterruptSignal, listener: () => void): unknown;
  removeListener(signal: InterruptSignal, listener: () => void): unknown;
}

/** What the Automation API operation gets: the live output and the signal that forwards one interrupt. */
export interface CliOptions {
  readonly onOutput: (out: string) => void;
  readonly color: "always" | "never";
  readonly signal: AbortSignal;
}

/** Thrown once an interrupted operation has ended and its state was printed; scripts/lib/cli.ts exits 130. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

/** What the CLI prints when it received an interrupt itself (pkg/backend/cancellation_scope.go). */
const CLI_ACKNOWLEDGES = /(\^C|SIGTERM) received; (cancelling|terminating)/;

export interface InterruptibleOptions<T> {
  /** `update`, `destroy` or `preview`, for messages. */
  readonly operation: string;
  readonly stackName: string;
  readonly output: { onOutput: (out: string) => void; color: "always" | "never" };
  readonly run: (cli: CliOptions) => Promise<T>;
  /** The lines that say what state the stack is in, once the CLI has ended. */
  readonly describeState: () => Promise<string[]>;
  readonly log: (line: string) => void;
  readonly signals?: SignalSource;
  /** How long to wait for the CLI to acknowledge an interrupt before forwarding one. */
  readonly graceMs?: number;
}

export const DEFAULT_GRACE_MS = 3000;

/**
 * Runs a Pulumi operation so that an interrupt cancels it cleanly. Not interrupted: its result or error, as
 * is. Interrupted: waits for it to end (whatever it ends with), prints its state and throws InterruptedError.
 */
export async function interruptible<T>(options: InterruptibleOptions<T>): Promise<T> {
  const signals = options.signals ?? process;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const { log } = options;
  const controller = new AbortController();
  let interrupted: InterruptSignal | undefined;
  let acknowledged = false;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  // The end of the output so far, so a message split across two chunks is still recognised.
  let tail = "";

  const onOutput = (out: string): void => {
    tail = (tail + out).slice(-400);
    if (CLI_ACKNOWLEDGES.test(tail)) {
      acknowledged = true;
    }
    options.output.onOutput(out);
  };
  const forward = (): void => {
    timer = undefined;
    if (!settled && !acknowledged && !controller.signal.aborted) {
      log(
        `\nThe Pulumi CLI did not receive the interrupt; sending it one (SIGINT) to cancel the ${options.operation}.`,
      );
      controller.abort();
    }
  };
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      if (interrupted === undefined) {
        interrupted = signal;
        log(
          `\n${signal} received: the ${options.operation} of stack "${options.stackName}" is being cancelled. ` +
            "The Pulumi CLI finishes the operations in flight and releases the stack's lock; wait for it. " +
            "A second Ctrl-C reaches the CLI too and terminates it at once, which can leave the stack locked " +
            "and resources half-made.",
        );
        timer = setTimeout(forward, acknowledged ? 0 : graceMs);
      } else {
        log(`${signal} received again: still waiting for the Pulumi CLI to finish cancelling.`);
      }
    };
    signals.on(signal, listener);
    return { signal, listener };
  });
  const detach = (): void => {
    settled = true;
    if (timer) {
      clearTimeout(timer);
    }
    listeners.forEach(({ signal, listener }) => signals.removeListener(signal, listener));
  };

  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    result = {
      ok: true,
      value: await options.run({ onOutput, color: options.output.color, signal: controller.signal }),
    };
  } catch (error) {
    result = { ok: false, error };
  } finally {
    // Until the state is printed a further signal must not kill this process, so the listeners stay on.
    if (interrupted === undefined) {
      detach();
    }
  }
  if (interrupted === undefined) {
    if (result.ok) {
      return result.value;
    }
    throw result.error;
  }
  try {
    log(`\nThe Pulumi CLI has ended. ${options.operation} of stack "${options.stackName}" interrupted.`);
    let lines: string[];
    try {
      lines = await options.describeState();
    } catch (error) {
      lines = [`State of stack "${options.stackName}": could not be read (${(error as Error).message}).`];
    }
    lines.forEach((line) => log(line));
  } finally {
    detach();
  }
  throw new InterruptedError(`Interrupted (${interrupted}); exit 130.`);
}

/** The part of `Stack.info()` (the last update's summary) the state line reads. */
export interface LastUpdate {
  readonly kind: string;
  readonly result: string;
  readonly startTime?: Date | string;
  readonly endTime?: Date | string;
}

/** A lock file of Pulumi's DIY backend: `.pulumi/locks/<fully qualified stack>/<id>.json`, with its holder. */
export interface PulumiLock {
  readonly file: string;
  readonly pid?: number;
  readonly hostname?: string;
  readonly timestamp?: string;
}

/**
 * The lock files a local file backend holds for the stack. The layout is pulumi/pulumi pkg/backend/diy/lock.go
 * (stackLockDir: `.pulumi/locks/` + the fully qualified name as a path; lockPath: `<lockID>.json`, the JSON
 * lockContent {pid, username, hostname, timestamp}), the name from diyBackendReference.FullyQualifiedName in
 * pkg/backend/diy/backend.go (`organization/<project>/<stack>` in a project-scoped store, the bare name in a
 * legacy one). Only read, never removed: that is `pulumi cancel`'s job, and only for a run known to be stuck.
 */
export function pulumiLocks(stateDir: string, project: string, stack: string): PulumiLock[] {
  const dirs = [
    path.join(stateDir, ".pulumi", "locks", "organization", project, stack),
    path.join(stateDir, ".pulumi", "locks", stack),
  ];
  return dirs.flatMap((dir) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    return names.map((name) => {
      const file = path.join(dir, name);
      try {
        const content = JSON.parse(fs.readFileSync(file, "utf8")) as {
          pid?: number;
          hostname?: string;
          timestamp?: string;
        };
        return { file, pid: content.pid, hostname: content.hostname, timestamp: content.timestamp };
      } catch {
        return { file };
      }
    });
  });
}

/** The local folder of a file:// backend URL (`file://~` is the home folder), or undefined for any other. */
export function fileBackendDir(url: string): string | undefined {
  if (!url.startsWith("file://")) {
    return undefined;
  }
  const rest = url.slice("file://".length).split("?")[0];
  return rest === "~" || rest.startsWith("~/") ? path.join(os.homedir(), rest.slice(1)) : rest;
}

export interface StateInput {
  readonly stackName: string;
  readonly lastUpdate: () => Promise<LastUpdate | undefined>;
  /** Pulumi's lock files of the stack, or undefined when the backend's locks cannot be read from here. */
  readonly locks: () => PulumiLock[] | undefined;
  /** When the interrupted operation started: a lock newer than that, left by a dead pid, is this run's. */
  readonly startedAt: Date;
  readonly hostname?: string;
  readonly isAlive: (pid: number) => boolean;
}

function when(time: Date | string | undefined): string {
  return time === undefined ? "?" : new Date(time).toISOString();
}

/** The lines that say where an interrupted stack was left, and what to do only when something is stuck. */
export async function describeStackState(input: StateInput): Promise<string[]> {
  const { stackName } = input;
  const last = await input.lastUpdate();
  const update = last
    ? `last ${last.kind} ${last.result} (started ${when(last.startTime)}` +
      (last.endTime ? `, ended ${when(last.endTime)})` : ")")
    : "no update recorded";
  const locks = input.locks();
  const hostname = input.hostname ?? os.hostname();
  let lock: string;
  const advice: string[] = [];
  if (locks === undefined) {
    lock =
      "lock: not readable from here (the backend keeps it; `npm run pulumi -- stack` shows an update in progress)";
  } else if (locks.length === 0) {
    lock = "lock: none remains";
  } else {
    const described = locks.map((l) => {
      const alive = l.pid !== undefined && l.hostname === hostname ? input.isAlive(l.pid) : undefined;
      return { ...l, alive };
    });
    lock =
      "lock: " +
      described
        .map(
          (l) =>
            `held by pid ${l.pid ?? "?"} on ${l.hostname ?? "?"}` +
            (l.alive === undefined ? "" : l.alive ? " (running)" : " (no longer running)") +
            ` since ${l.timestamp ?? "?"} (${l.file})`,
        )
        .join("; ");
    const ours = described.filter(
      (l) =>
        l.alive === false &&
        l.timestamp !== undefined &&
        new Date(l.timestamp).getTime() >= input.startedAt.getTime(),
    );
    if (ours.length > 0 && ours.length === described.length) {
      advice.push(
        `This run's Pulumi CLI ended without releasing the stack's lock. Once you are sure no other Pulumi ` +
          `command runs on stack "${stackName}", remove it with \`npm run pulumi -- cancel --stack ${stackName}\`. ` +
          "Warning: on a file backend that removes every lock of the stack, a concurrent run's included.",
      );
    } else if (described.some((l) => l.alive !== false)) {
      advice.push("Another Pulumi command holds the stack's lock: let it finish; do not remove its lock.");
    }
  }
  const inProgress = last?.result === "in-progress";
  if (inProgress) {
    advice.push(
      "The update is recorded as still in progress: the CLI was terminated before it finished. Run " +
        `\`npm run up -- --stack ${stackName}\` again; it may need \`npm run pulumi -- refresh --stack ${stackName}\` first.`,
    );
  }
  return [`State of stack "${stackName}": ${update}; ${lock}.`, ...advice];
}
