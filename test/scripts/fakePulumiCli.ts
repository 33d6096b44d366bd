/**
 * Runs test/scripts/fakePulumi.cjs (installed as `<root>/bin/pulumi`) the way Stack.up runs the real CLI: through
 * the Automation API's own PulumiCommand, so execa, signal-exit and the abort signal behave as in `npm run up`.
 * Shared by the interrupt harness and the dev-loop harness.
 */
import { PulumiCommand } from "@pulumi/pulumi/automation";

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

/** `pulumi up` of the fake CLI under `root`, with its output handed to `onOutput` and `signal` as Stack.up passes it. */
export async function fakePulumiUp(
  root: string,
  onOutput: (out: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const cli = (await PulumiCommand.get({ root, skipVersionCheck: true })) as unknown as RunsCli;
  await cli.run(["up"], process.cwd(), {}, onOutput, undefined, signal);
}
