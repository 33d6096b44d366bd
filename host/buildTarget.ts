/**
 * Where images are built, decided per stack: straight into minikube's Docker daemon, into the local daemon
 * (Docker Desktop, kind), or pushed to a registry for a remote cluster. The detection mirrors Skaffold's
 * (`pkg/skaffold/cluster`): a context named `minikube`, or one whose cluster certificate lives under the
 * minikube home, is minikube; `kind-*` and `docker-desktop` share the local daemon; anything else is remote.
 * The program and `npm run up` both call resolveBuildTarget, so they always agree on a stack's target.
 */
import * as path from "path";

import { qualified } from "../catalog";
import { type Kubeconfig, clusterOf } from "./kubeconfig";

export const BUILD_TARGETS = ["minikube", "docker", "registry"] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];
/** What `todo-app:buildTarget` accepts: a target, or `auto` to detect it from the context. */
export type BuildTargetChoice = "auto" | BuildTarget;

export interface Detection {
  target: BuildTarget;
  /** Why this target was chosen, for the README's troubleshooting and error messages. */
  reason: string;
  /** For kind clusters, the cluster name that `kind load --name` needs (checked in config/probe.ts). */
  kindCluster?: string;
}

/** The kind cluster a context belongs to (`kind-dev` -> `dev`), as `kind load --name` wants it. */
export function kindClusterOf(kubeContext: string): string | undefined {
  return kubeContext.startsWith("kind-") ? kubeContext.slice("kind-".length) : undefined;
}

export function detectBuildTarget(
  kubeContext: string,
  kubeconfig: Kubeconfig | undefined,
  minikubeDir: string,
): Detection {
  if (kubeContext === "minikube") {
    return { target: "minikube", reason: `kube context "minikube"` };
  }
  const ca = clusterOf(kubeContext, kubeconfig)?.cluster?.["certificate-authority"];
  if (ca && isInside(ca, minikubeDir)) {
    return {
      target: "minikube",
      reason: `the cluster certificate of "${kubeContext}" is under ${minikubeDir}`,
    };
  }
  const kindCluster = kindClusterOf(kubeContext);
  if (kindCluster !== undefined) {
    return { target: "docker", reason: `kube context "${kubeContext}" is a kind cluster`, kindCluster };
  }
  if (kubeContext === "docker-desktop" || kubeContext === "docker-for-desktop") {
    return { target: "docker", reason: `kube context "${kubeContext}" is Docker Desktop` };
  }
  return { target: "registry", reason: `kube context "${kubeContext}" is not a local cluster` };
}

/** An explicit `buildTarget` wins; `auto` detects the target from the context and the kubeconfig. */
export function resolveBuildTarget(
  choice: BuildTargetChoice,
  kubeContext: string,
  kubeconfig: Kubeconfig | undefined,
  minikubeDir: string,
): Detection {
  if (choice === "auto") {
    return detectBuildTarget(kubeContext, kubeconfig, minikubeDir);
  }
  return {
    target: choice,
    reason: `${qualified("buildTarget")} is "${choice}"`,
    kindCluster: kindClusterOf(kubeContext),
  };
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
