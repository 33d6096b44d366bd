/**
 * `npm run dev` once its session is open (scripts/commands/dev.ts): a taken forward port refused first, the
 * cluster identity, the first update as `npm run up` runs it, then the loop (run.ts) wired to the stack: every
 * cycle a `stack.up` under scripts/lib/interrupt.ts, targeted at the changed services' subtrees with their
 * dependents, its CLI output kept quiet. Tests hand it a fake session (test/scripts/dev/command.test.ts).
 */
import type { Stack } from "@pulumi/pulumi/automation";

import { prepareSessionForCluster } from "../clusterIdentity";
import { destroyStack } from "../destroy";
import { UserError } from "../errors";
import { findKubectl } from "../health";
import { InterruptedError } from "../interrupt";
import { log, step } from "../log";
import { configValue } from "../minikube";
import type { Session } from "../session";
import { cancellable } from "../stackRun";
import { explainPulumiError, readPlainConfig } from "../workspace";
import { shortStackName } from "../args";
import { checkForwardPorts, devOutputs, runDevLoop } from "./run";
import { stateResources } from "./targets";

/**
 * A cycle's CLI output is not shown: the cycle reads what it needs (the build's lines, the failures) from the
 * engine events and prints one line. interruptible still sees it, to notice the CLI acknowledging a Ctrl-C.
 */
export const QUIET = { onOutput: () => undefined, color: "never" as const };

/** What a test replaces: the loop itself, and the plain configuration the CLI would print. */
export interface DevHooks {
  readonly runLoop?: typeof runDevLoop;
  readonly plainConfig?: (stack: Stack) => Record<string, { value: string }>;
}

export async function runDev(session: Session, hooks: DevHooks = {}): Promise<number> {
  const { stack, target, run, invocation } = session;
  const options = invocation.dev ?? { frontendPort: 3000, downOnExit: false };
  const kubectl = findKubectl(run, {
    kubeContext: target.kubeContext,
    kubeconfig: target.kubeconfig,
    minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
  });
  // Before the first deploy, which may build for minutes: a taken forward port is said now.
  if (kubectl) await checkForwardPorts(options);

  const replace = await prepareSessionForCluster(session, log);
  step("pulumi up (the first deploy; then every change deploys only what it touches)");
  const deployStartedAt = Date.now();
  let firstDeployFailed = false;
  try {
    await cancellable(session, "update", (cli) => stack.up({ ...cli, replace }));
  } catch (error) {
    // A Ctrl-C, or a problem the user must fix first, ends the command as it ends up. A failed update of a stack
    // that ran before (a build error in the app, a rollout that never became ready) leaves its last good version
    // running: the loop starts anyway, so the fix is one save away, as it is for every later cycle.
    if (error instanceof InterruptedError || error instanceof UserError) throw error;
    const outputs = await stack.outputs();
    if (outputs.imageSources === undefined) throw error;
    log(`\nThe first update failed:\n${explainPulumiError(error)}`);
    log("The stack's last good version keeps running. Fix it and save: the first cycle is a full update.");
    firstDeployFailed = true;
  }
  // Set for a recreated cluster's first update only (scripts/lib/clusterIdentity.ts): the cycles deploy to a
  // cluster that answers, where a delete that cannot reach an object must fail.
  delete stack.workspace.envVars.PULUMI_K8S_DELETE_UNREACHABLE;

  step("Development loop");
  const readOutputs = async () => devOutputs(await stack.outputs());
  const plain = (hooks.plainConfig ?? readPlainConfig)(stack);
  return (hooks.runLoop ?? runDevLoop)({
    stackName: invocation.stack,
    shortStackName: shortStackName(invocation.stack),
    projectDir: session.projectDir,
    options,
    logLevel: configValue(plain, "logLevel"),
    outputs: await readOutputs(),
    readOutputs,
    readState: async () => stateResources(await stack.exportStack()),
    deployStartedAt,
    firstDeployFailed,
    update: ({ targets, onEvent }) =>
      cancellable(
        session,
        "update",
        (cli) =>
          stack.up({
            ...cli,
            onEvent,
            ...(targets ? { target: [...targets], targetDependents: true } : {}),
          }),
        QUIET,
      ),
    destroy: () => destroyStack(session),
    kubectl,
    log,
    write: (line) => process.stdout.write(`${line}\n`),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  });
}
