/**
 * `npm run up [-- --stack NAME]`: one command from a fresh clone to a running, health-checked app. The
 * prerequisites and minikube come from the shared session; the checks after the update from lib/verify.ts.
 */
import { namespaceForStack } from "../../config/validate";
import { CLUSTER_ID_ENV } from "../../host/clusterIdentity";
import { runCommand } from "../lib/cli";
import {
  compareClusterIdentity,
  liveClusterIdentity,
  newClusterMessage,
  resourcesToRebuild,
} from "../lib/clusterIdentity";
import { findKubectl } from "../lib/health";
import { log, step } from "../lib/log";
import { type Session, liveOutput, openSession, requireLocalDocker } from "../lib/session";
import { verifyDeployment } from "../lib/verify";

runCommand("up", async (invocation) => {
  const session = await openSession(invocation);
  requireLocalDocker(session);

  const replace = await recreateOnNewCluster(session);
  step("pulumi up");
  await session.stack.up({ ...liveOutput(), replace });
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
    namespace: text("namespace") ?? namespaceForStack(invocation.stack),
    frontendUrl,
    urlCommand,
    backendUrl: text("backendUrlInCluster"),
  });
  return ok ? 0 : 1;
});

/**
 * Hands the program the live cluster's identity, and when it is not the one the stack was deployed to, says so
 * and returns the image resources to rebuild; the changed identifier replaces the Kubernetes objects.
 */
async function recreateOnNewCluster(session: Session): Promise<string[] | undefined> {
  const { target, run, stack } = session;
  const kubectl = findKubectl(run, {
    kubeContext: target.kubeContext,
    kubeconfig: target.kubeconfig,
    minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
  });
  const current = kubectl ? liveClusterIdentity(kubectl, run) : undefined;
  if (current === undefined) {
    log(
      "Cluster identity: not readable (no kubectl, or the cluster does not answer); a recreated cluster cannot be noticed.",
    );
    return undefined;
  }
  stack.workspace.envVars[CLUSTER_ID_ENV] = current;
  const change = compareClusterIdentity((await stack.outputs()).clusterIdentity?.value, current);
  if (change.kind !== "new") {
    log(
      `Cluster identity: kube-system ${current}${change.kind === "same" ? " (the one this stack was deployed to)" : ""}`,
    );
    return undefined;
  }
  const rebuild = resourcesToRebuild(await stack.exportStack());
  log(newClusterMessage(change, rebuild.length));
  // The objects of the old cluster cannot be reached any more; deleting them is recorded as done.
  stack.workspace.envVars.PULUMI_K8S_DELETE_UNREACHABLE = "true";
  return rebuild;
}
