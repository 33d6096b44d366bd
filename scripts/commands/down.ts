/**
 * `npm run down [-- --stack NAME] [--delete-unreachable]`: destroys the stack's objects. The namespace and the
 * in-cluster database's claim are retained on purpose. When the cluster is gone (a deleted minikube profile,
 * kind cluster or kube context), its objects are removed from the state instead (scripts/lib/teardown.ts says
 * how, and why), so `down` still finishes; the closing lines say what was left and how to remove it. A stack
 * that holds nothing (never deployed) needs no cluster: down says there is nothing to destroy.
 */
import { runCommand } from "../lib/cli";
import { destroyStack } from "../lib/destroy";
import { log } from "../lib/log";
import { liveOutput, openSession } from "../lib/session";
import { destroyNothing } from "../lib/teardown";

runCommand("down", async (invocation) => {
  const session = await openSession(invocation);
  const report = session.emptyState
    ? await destroyNothing(session.stack, invocation.stack, liveOutput(), session.emptyState)
    : await destroyStack(session);
  log("");
  report.forEach((line) => log(line));
  return 0;
});
