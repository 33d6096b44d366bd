/**
 * The scheduler of `npm run dev`: one cycle at a time. Batches that arrive while a cycle runs are merged into
 * one next cycle (its services the union, a program change if any was one, the earliest save), because by the
 * time the running build ends only the newest content matters; queueing them would build every intermediate
 * state. A cycle that fails or throws is reported and the loop goes on watching; `stop()` lets the running
 * cycle end and starts no other.
 */
import type { ChangeBatch, CycleResult } from "./types";

export interface DevLoopOptions {
  /** Runs one cycle (cycle.ts). A rejection is handed to `onError`; the loop goes on. */
  readonly runCycle: (batch: ChangeBatch) => Promise<CycleResult>;
  /** Called once per finished cycle, with the batch it ran. */
  readonly onResult?: (result: CycleResult, batch: ChangeBatch) => void;
  /** Called when a cycle (or `onResult`) threw: an interrupted update, a bug. Default: nothing. */
  readonly onError?: (error: unknown, batch: ChangeBatch) => void;
}

export interface DevLoop {
  /** Hands a batch over: run now when idle, else merged into the next cycle. Ignored once stopped. */
  submit(batch: ChangeBatch): void;
  /** Resolves once no cycle runs and none is pending. */
  idle(): Promise<void>;
  /** Drops what is pending, waits for the running cycle to end and runs no more. */
  stop(): Promise<void>;
  /** Whether a cycle is running now. */
  readonly running: boolean;
}

/** One batch standing for both: the union of services and files, either's program change, the earliest save. */
export function mergeBatches(a: ChangeBatch, b: ChangeBatch): ChangeBatch {
  return {
    services: new Set([...a.services, ...b.services]),
    program: a.program || b.program,
    files: [...new Set([...a.files, ...b.files])],
    savedAt: Math.min(a.savedAt, b.savedAt),
    // The detect phase is the earliest save's: from it to its batch being handed on.
    detectedAt: a.savedAt <= b.savedAt ? a.detectedAt : b.detectedAt,
  };
}

export function createDevLoop(options: DevLoopOptions): DevLoop {
  let pending: ChangeBatch | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (current === undefined && pending === undefined) idleWaiters.splice(0).forEach((resolve) => resolve());
  };

  const runOne = async (batch: ChangeBatch): Promise<void> => {
    try {
      const result = await options.runCycle(batch);
      options.onResult?.(result, batch);
    } catch (error) {
      try {
        options.onError?.(error, batch);
      } catch {
        // A reporter that throws must not end the loop either.
      }
    }
  };

  const drain = async (): Promise<void> => {
    while (pending !== undefined && !stopped) {
      const batch = pending;
      pending = undefined;
      await runOne(batch);
    }
  };

  const start = (): void => {
    current = drain().finally(() => {
      current = undefined;
      // A batch submitted between the drain's last check and this callback would otherwise wait for the next.
      if (pending !== undefined && !stopped) start();
      else settleIdle();
    });
  };

  return {
    submit(batch) {
      if (stopped) return;
      pending = pending === undefined ? batch : mergeBatches(pending, batch);
      if (current === undefined) start();
    },
    idle() {
      if (current === undefined && pending === undefined) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      pending = undefined;
      await current;
      settleIdle();
    },
    get running() {
      return current !== undefined;
    },
  };
}
