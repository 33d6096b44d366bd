/**
 * Run by test/scripts/interrupt.test.ts in a child process (node -r ts-node/register/transpile-only), so a real
 * SIGINT reaches a real process: the Automation API's own PulumiCommand (execa, signal-exit and all) runs a fake
 * `pulumi` that records every signal it gets. Configured by environment, because scripts/lib/cli.ts parses argv.
 *   HARNESS_MODE=guarded  the stack command's path: runCommand + interruptible (scripts/lib/interrupt.ts)
 *   HARNESS_MODE=bare     the Automation API call alone, as before this change
 *   FAKE_PULUMI_ROOT      the folder with bin/pulumi;  HARNESS_GRACE_MS  the grace before forwarding
 */
import { PulumiCommand } from "@pulumi/pulumi/automation";

import { runCommand } from "../../scripts/lib/cli";
import { describeStackState, interruptible } from "../../scripts/lib/interrupt";

const root = process.env.FAKE_PULUMI_ROOT ?? "";
const output = {
  onOutput: (out: string) => process.stdout.write(out),
  color: "never" as const,
};

/** PulumiCommand.run, which Stack.up calls: marked @internal, so not in the type declarations. */
interface RunsCli {
  run(
    args: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput?: (out: string) => void,
    onError?: (err: string) => void,
    signal?: AbortSignal,
  ): Promise<unknown>;
}

async function fakeUp(signal?: AbortSignal): Promise<void> {
  const cli = (await PulumiCommand.get({ root, skipVersionCheck: true })) as unknown as RunsCli;
  await cli.run(["up"], process.cwd(), {}, output.onOutput, undefined, signal);
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
