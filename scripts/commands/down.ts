/**
 * `npm run down [-- --stack NAME] [--delete-unreachable]`: destroys the stack's objects. The namespace and the
 * in-cluster database's claim are retained on purpose. When the cluster is gone (a deleted minikube profile,
 * kind cluster or kube context), its objects are removed from the state instead (scripts/lib/teardown.ts says
 * how, and why), so `down` still finishes; the closing lines say what was left and how to remove it.
 */
import { runCommand } from "../lib/cli";
import { findKubectl } from "../lib/health";
import { log, step } from "../lib/log";
import { openSession, requireBuildDaemon } from "../lib/session";
import { cancellable } from "../lib/stackRun";
import { tearDown } from "../lib/teardown";
import { runPulumiCli } from "../lib/workspace";

runCommand("down", async (invocation) => {
  const session = await openSession(invocation);
  const { stack, target, run } = session;
  // tearDown spreads `output` into each stack.destroy, so the interrupt signal reaches the Automation API too.
  const report = await cancellable(session, "destroy", (cli) =>
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
  log("");
  report.forEach((line) => log(line));
  return 0;
});
