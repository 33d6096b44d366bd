/**
 * The stack commands' Pulumi operation (`up`, `destroy`, `preview`) under scripts/lib/interrupt.ts: one interrupt
 * reaches the CLI, and once it has cancelled, the stack's last update and Pulumi's lock are reported.
 */
import { PROJECT_NAME } from "../../catalog";
import { shortStackName } from "./args";
import { type CliOptions, describeStackState, fileBackendDir, interruptible, pulumiLocks } from "./interrupt";
import { log } from "./log";
import type { Session } from "./session";
import { liveOutput } from "./session";
import { pidIsAlive } from "./stackLock";

export function cancellable<T>(
  session: Pick<Session, "stack" | "backend" | "invocation">,
  operation: string,
  run: (cli: CliOptions) => Promise<T>,
  /** Where the CLI's output goes: the terminal by default; npm run dev keeps a targeted cycle's to itself. */
  output: { onOutput: (out: string) => void; color: "always" | "never" } = liveOutput(),
): Promise<T> {
  const stackName = session.invocation.stack;
  const startedAt = new Date();
  const stateDir = session.backend.localDir ?? fileBackendDir(session.backend.url);
  return interruptible({
    operation,
    stackName,
    output,
    run,
    log,
    describeState: () =>
      describeStackState({
        stackName,
        startedAt,
        isAlive: pidIsAlive,
        lastUpdate: () => session.stack.info(),
        locks: () =>
          stateDir === undefined ? undefined : pulumiLocks(stateDir, PROJECT_NAME, shortStackName(stackName)),
      }),
  });
}
