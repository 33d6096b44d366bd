/**
 * `npm run dev [-- --stack NAME] [--forward-backend] [--frontend-port N] [--backend-port N] [--down-on-exit]`:
 * what `npm run up` does (prerequisites, minikube, the first update), then the inner loop of scripts/lib/dev/run.ts
 * until Ctrl-C: a save rebuilds and rolls out only the service whose image reads the file, on the same localhost
 * URL, with both services' logs streaming and one timing line per cycle.
 */
import { runCommand } from "../lib/cli";
import { UserError } from "../lib/errors";
import { InterruptedError } from "../lib/interrupt";
import { prepareSessionForCluster } from "../lib/clusterIdentity";
import { destroyStack } from "../lib/destroy";
import { checkForwardPorts, devOutputs, runDevLoop } from "../lib/dev/run";
import { stateResources } from "../lib/dev/targets";
import { shortStackName } from "../lib/args";
import { findKubectl } from "../lib/health";
import { log, step } from "../lib/log";
import { configValue } from "../lib/minikube";
import { openSession } from "../lib/session";
import { cancellable } from "../lib/stackRun";
import { explainPulumiError, readPlainConfig } from "../lib/workspace";

/**
 * A cycle's CLI output is not shown: the cycle reads what it needs (the build's lines, the failures) from the
 * engine events and prints one line. interruptible still sees it, to notice the CLI acknowledging a Ctrl-C.
 */
const QUIET = { onOutput: () => undefined, color: "never" as const };

runCommand("dev", async (invocation) => {
  const session = await openSession(invocation);
  const { stack, target, run } = session;

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
  return runDevLoop({
    stackName: invocation.stack,
    shortStackName: shortStackName(invocation.stack),
    projectDir: session.projectDir,
    options,
    logLevel: configValue(readPlainConfig(stack), "logLevel"),
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
});
