/**
 * `npm run up [-- --stack NAME]`: one command from a fresh clone to a running, health-checked app. The
 * prerequisites and minikube come from the shared session; the checks after the update from lib/verify.ts.
 */
import { namespaceForStack } from "../../config/validate";
import { shortStackName } from "../lib/args";
import { runCommand } from "../lib/cli";
import { prepareSessionForCluster } from "../lib/clusterIdentity";
import { log, step } from "../lib/log";
import { openSession } from "../lib/session";
import { cancellable } from "../lib/stackRun";
import { verifyDeployment } from "../lib/verify";

runCommand("up", async (invocation) => {
  const session = await openSession(invocation);

  const replace = await prepareSessionForCluster(session, log);
  step("pulumi up");
  await cancellable(session, "update", (cli) => session.stack.up({ ...cli, replace }));
  const outputs = await session.stack.outputs();
  const text = (key: string): string | undefined => {
    const value: unknown = outputs[key]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const frontendUrl = text("frontendUrl");
  const urlCommand = text("frontendUrlCommand");

  step("The app");
  log(`Frontend: ${frontendUrl ?? "(the stack has no frontendUrl output)"}`);
  if (urlCommand) {
    log(`If that address does not open from this machine (minikube on macOS or Windows), run: ${urlCommand}`);
  }

  step("Health checks");
  const ok = await verifyDeployment(session, {
    namespace: text("namespace") ?? namespaceForStack(shortStackName(invocation.stack)),
    frontendUrl,
    urlCommand,
    backendUrl: text("backendUrlInCluster"),
  });
  return ok ? 0 : 1;
});
