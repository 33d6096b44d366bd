/**
 * The destroy of `npm run down`, also run by `npm run dev -- --down-on-exit`: scripts/lib/teardown.ts with the
 * session's cluster, daemon and kubectl, under scripts/lib/interrupt.ts so a Ctrl-C cancels it cleanly.
 * Resolves with the closing lines that say what was left and how to remove it.
 */
import { findKubectl } from "./health";
import { log, step } from "./log";
import { type Session, requireBuildDaemon } from "./session";
import { cancellable } from "./stackRun";
import { tearDown } from "./teardown";
import { runPulumiCli } from "./workspace";

export function destroyStack(session: Session): Promise<string[]> {
  const { stack, target, run, invocation } = session;
  // tearDown spreads `output` into each stack.destroy, so the interrupt signal reaches the Automation API too.
  return cancellable(session, "destroy", (cli) =>
    tearDown({
      stack,
      stackName: invocation.stack,
      target,
      minikube: session.minikube,
      kubeconfig: session.kubeconfig,
      kubectl: findKubectl(run, {
        kubeContext: target.kubeContext,
        kubeconfig: target.kubeconfig,
        minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
      }),
      daemon: session.daemon,
      deleteUnreachableFlag: invocation.deleteUnreachable,
      run,
      requireDaemon: (daemon) => requireBuildDaemon({ ...session, daemon }),
      runCli: (args) => runPulumiCli(stack, args),
      output: cli,
      log,
      step,
    }),
  );
}
