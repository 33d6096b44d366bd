/**
 * Run by test/scripts/interrupt.test.ts in a child process (node -r ts-node/register/transpile-only), so a real
 * SIGINT reaches a real process: the Automation API's own PulumiCommand (execa, signal-exit and all) runs a fake
 * `pulumi` that records every signal it gets. Configured by environment, because scripts/lib/cli.ts parses argv.
 *   HARNESS_MODE=guarded  the stack command's path: runCommand + interruptible (scripts/lib/interrupt.ts)
 *   HARNESS_MODE=bare     the Automation API call alone, as before this change
 *   FAKE_PULUMI_ROOT      the folder with bin/pulumi;  HARNESS_GRACE_MS  the grace before forwarding
 */
import { runCommand } from "../../scripts/lib/cli";
import { describeStackState, interruptible } from "../../scripts/lib/interrupt";
import { fakePulumiUp } from "./fakePulumiCli";

const root = process.env.FAKE_PULUMI_ROOT ?? "";
const output = {
  onOutput: (out: string) => process.stdout.write(out),
  color: "never" as const,
};

function fakeUp(signal?: AbortSignal): Promise<void> {
  return fakePulumiUp(root, output.onOutput, signal);
}

if (process.env.HARNESS_MODE === "bare") {
  void fakeUp().then(
    () => process.exit(0),
    () => process.exit(1),
  );
} else {
  runCommand("up", () =>
    interruptible({
      operation: "update",
      stackName: "dev",
      output,
      graceMs: Number(process.env.HARNESS_GRACE_MS ?? "3000"),
      log: (line) => console.log(line),
      run: async (cli) => {
        await fakeUp(cli.signal);
        return 0;
      },
      describeState: () =>
        describeStackState({
          stackName: "dev",
          startedAt: new Date(),
          isAlive: () => false,
          lastUpdate: () => Promise.resolve({ kind: "update", result: "failed", startTime: new Date(0) }),
          locks: () => [],
        }),
    }),
  );
}
