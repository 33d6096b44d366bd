/**
 * What the integration test needs from the machine, each missing piece named exactly: the Pulumi CLI, kubectl,
 * a reachable cluster at the chosen context, and the tool that gets images into that cluster.
 */
import type { CommandRunner } from "../../host/process";
import { UserError } from "../../scripts/lib/errors";
import { type Kubectl, findKubectl, kubectl } from "../../scripts/lib/health";
import { stackTarget } from "../../scripts/lib/minikube";
import {
  type PulumiLocation,
  type PulumiLookup,
  locatePulumi,
  probeTool,
} from "../../scripts/lib/prerequisites";

export interface IntegrationSetup {
  /** Each thing that is missing, as the SKIP line names it; empty when the test can run. */
  readonly missing: string[];
  readonly kubeContext: string;
  readonly kubeconfig?: string;
  readonly location?: PulumiLocation;
  readonly kubectl?: Kubectl;
}

/** The cluster comes from TODO_IT_KUBE_CONTEXT (default minikube) and TODO_IT_KUBECONFIG. */
export function integrationSetup(run: CommandRunner, lookup: PulumiLookup): IntegrationSetup {
  const kubeContext = lookup.env.TODO_IT_KUBE_CONTEXT?.trim() || "minikube";
  const kubeconfig = lookup.env.TODO_IT_KUBECONFIG?.trim() || undefined;
  const missing: string[] = [];

  let location: PulumiLocation | undefined;
  try {
    location = locatePulumi(run, lookup);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    missing.push(`Pulumi CLI: ${error.message}`);
  }

  // Only a real kubectl: the test reads pods and ReplicaSets, which it must not fake through another tool.
  const k = probeTool("kubectl", run).present ? findKubectl(run, { kubeContext, kubeconfig }) : undefined;
  if (!k) {
    missing.push("kubectl: not installed (https://kubernetes.io/docs/tasks/tools/)");
  } else {
    const ready = kubectl(k, run, ["get", "--raw", "/readyz", "--request-timeout=5s"]);
    if (ready.status !== 0) {
      const why = (ready.error?.message ?? `${ready.stderr}${ready.stdout}`).trim().split(/\r?\n/)[0];
      missing.push(
        `a reachable cluster: kube context "${kubeContext}" does not answer (${why || `exit ${ready.status}`}); ` +
          "start one (minikube start) or set TODO_IT_KUBE_CONTEXT to a local cluster's context",
      );
    }
  }

  const target = stackTarget({ "todo-app:kubeContext": { value: kubeContext } }, undefined, "");
  if (target.buildTarget === "minikube" && !probeTool("minikube", run).present) {
    missing.push(
      `minikube: not installed; the program builds images into minikube "${kubeContext}"'s Docker daemon`,
    );
  }
  if (
    target.buildTarget === "docker" &&
    kubeContext.startsWith("kind-") &&
    run("kind", ["version"]).status !== 0
  ) {
    missing.push("kind: not installed; images are loaded into kind nodes with `kind load`");
  }
  if (target.buildTarget === "registry") {
    missing.push(
      `a local cluster: context "${kubeContext}" is not minikube, kind or Docker Desktop, and this test pushes ` +
        "to no registry",
    );
  }
  return { missing, kubeContext, kubeconfig, location, kubectl: k };
}
