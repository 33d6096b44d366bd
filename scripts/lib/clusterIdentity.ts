/**
 * Noticing a recreated cluster. pulumi-kubernetes diffs its state against the program's inputs, and
 * pulumi-docker's Read returns the stored image, so after `minikube delete && minikube start` a plain update
 * would change nothing while the app is gone. `npm run up` compares the live cluster's identity with the one
 * the stack recorded; on a new cluster the Kubernetes provider's `clusterIdentifier` changes (which replaces
 * every Kubernetes object) and the images are rebuilt by replacing them explicitly, found in the stack's own
 * state, so the user needs to know no URN.
 */
import type { Stack } from "@pulumi/pulumi/automation";

import { CLUSTER_ID_ENV, CLUSTER_ID_KUBECTL_ARGS, parseClusterIdentity } from "../../host/clusterIdentity";
import type { CommandRunner } from "../../host/process";
import { type Kubectl, findKubectl, kubectl } from "./health";
import type { Session } from "./session";

/** The live cluster's kube-system UID, or undefined when the cluster cannot be asked. */
export function liveClusterIdentity(k: Kubectl, run: CommandRunner): string | undefined {
  const result = kubectl(k, run, CLUSTER_ID_KUBECTL_ARGS);
  return result.status === 0 ? parseClusterIdentity(result.stdout) : undefined;
}

export type ClusterChange =
  | { readonly kind: "unrecorded" }
  | { readonly kind: "same" }
  | { readonly kind: "unknown" }
  | { readonly kind: "new"; readonly previous: string; readonly current: string };

/** Compares the stack's recorded identity (its `clusterIdentity` output) with the live one. */
export function compareClusterIdentity(recorded: unknown, current: string | undefined): ClusterChange {
  const previous = typeof recorded === "string" ? parseClusterIdentity(recorded) : undefined;
  if (current === undefined) return { kind: "unknown" };
  if (previous === undefined) return { kind: "unrecorded" };
  return previous === current ? { kind: "same" } : { kind: "new", previous, current };
}

/** What lives outside the Kubernetes objects and must be made again in a new cluster: images and their loads. */
const REBUILT_TYPES = ["docker:index/image:Image", "command:local:Command"];

/** The URNs to replace on a new cluster, read from the stack's exported state (`stack.exportStack()`). */
export function resourcesToRebuild(exported: { deployment?: { resources?: unknown } }): string[] {
  const resources = Array.isArray(exported.deployment?.resources) ? exported.deployment.resources : [];
  return resources
    .filter((r): r is { urn: string; type: string } => {
      const res = r as { urn?: unknown; type?: unknown };
      return typeof res.urn === "string" && typeof res.type === "string";
    })
    .filter((r) => REBUILT_TYPES.includes(r.type))
    .map((r) => r.urn);
}

/** The line `npm run up` prints when it recovers. */
export function newClusterMessage(change: Extract<ClusterChange, { kind: "new" }>, images: number): string {
  return (
    `This is a new cluster (kube-system ${change.current}; the stack was deployed to ${change.previous}): ` +
    `rebuilding ${images} image resource(s) and recreating every Kubernetes object.`
  );
}

/**
 * Before an update: hands the program the live cluster's identity (through the workspace's environment), and
 * when it is not the one the stack was deployed to, says so and returns the image resources to replace; the
 * changed identifier replaces the Kubernetes objects. `npm run up` and the integration test both call this.
 */
export async function prepareForCluster(
  stack: Stack,
  k: Kubectl | undefined,
  run: CommandRunner,
  log: (line: string) => void,
): Promise<string[] | undefined> {
  const current = k ? liveClusterIdentity(k, run) : undefined;
  const recorded: unknown = (await stack.outputs()).clusterIdentity?.value;
  if (current === undefined) {
    // The recorded identity is handed on unchanged, so this update neither forgets it nor replaces anything.
    const kept = typeof recorded === "string" ? parseClusterIdentity(recorded) : undefined;
    if (kept !== undefined) stack.workspace.envVars[CLUSTER_ID_ENV] = kept;
    log(
      "Cluster identity: not readable (no kubectl, or the cluster does not answer); a recreated cluster cannot be noticed.",
    );
    return undefined;
  }
  stack.workspace.envVars[CLUSTER_ID_ENV] = current;
  const change = compareClusterIdentity(recorded, current);
  if (change.kind !== "new") {
    log(
      `Cluster identity: kube-system ${current}${change.kind === "same" ? " (the one this stack was deployed to)" : ""}`,
    );
    return undefined;
  }
  const rebuild = resourcesToRebuild(await stack.exportStack());
  log(newClusterMessage(change, rebuild.length));
  // The old cluster's objects may not be reachable any more; pulumi-kubernetes then records their deletion as
  // done instead of failing (provider/pkg/provider/provider.go, Delete with deleteUnreachable).
  stack.workspace.envVars.PULUMI_K8S_DELETE_UNREACHABLE = "true";
  return rebuild;
}

/** prepareForCluster on an open session, with kubectl found the way the health checks find it. */
export function prepareSessionForCluster(
  session: Pick<Session, "stack" | "target" | "run">,
  log: (line: string) => void,
): Promise<string[] | undefined> {
  const { target, run } = session;
  const k = findKubectl(run, {
    kubeContext: target.kubeContext,
    kubeconfig: target.kubeconfig,
    minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
  });
  return prepareForCluster(session.stack, k, run, log);
}
