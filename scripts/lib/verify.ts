/**
 * The checks `npm run up` runs once the update finished: both rollouts from the cluster's side, the frontend's
 * `/api/health` through the URL the stack printed, the backend's `/health` from inside a frontend pod, and
 * whether the cluster enforces the app's NetworkPolicies.
 */
import { BACKEND, FRONTEND } from "../../catalog";
import { kindClusterOf } from "../../host/buildTarget";
import { policyEnforcement } from "../../host/cni";
import { type CommandRunner, captureRunner } from "../../host/process";
import {
  type CheckResult,
  DEFAULT_BACKEND_URL,
  type Kubectl,
  backendHealth,
  findKubectl,
  kubectl as runKubectl,
  pollHealth,
  rolloutStatus,
  summarize,
} from "./health";
import { log } from "./log";
import type { StackTarget } from "./minikube";
import { missingToolMessage } from "./prerequisites";
import type { Session } from "./session";
import { shellCommand } from "../../host/shellCommand";

export interface DeployedApp {
  readonly namespace: string;
  readonly frontendUrl?: string;
  /** A command that prints a reachable URL where the node address is not routable. */
  readonly urlCommand?: string;
  readonly backendUrl?: string;
}

/** Prints a PASS/FAIL line per check and a summary; true when nothing failed. */
export async function verifyDeployment(session: Session, app: DeployedApp): Promise<boolean> {
  const { target, run, platform } = session;
  const results: CheckResult[] = [];
  const kubectl = findKubectl(run, {
    kubeContext: target.kubeContext,
    kubeconfig: target.kubeconfig,
    minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
  });
  if (kubectl) {
    // pulumi-kubernetes already waited for the Deployments; this confirms it from the cluster's side.
    const waiting = captureRunner(200_000);
    results.push(rolloutStatus(kubectl, waiting, app.namespace, BACKEND.serviceName));
    results.push(rolloutStatus(kubectl, waiting, app.namespace, FRONTEND.serviceName));
  }
  results.push(await frontendCheck(app));
  results.push(
    kubectl
      ? backendHealth(kubectl, captureRunner(60_000), app.namespace, app.backendUrl ?? DEFAULT_BACKEND_URL)
      : { name: "backend /health", verdict: "SKIP", detail: missingToolMessage("kubectl", platform) },
  );
  const summary = summarize(results);
  log("");
  withPolicyLine(summary.lines, networkPolicyCheck(kubectl, run, target)).forEach((line) => log(line));
  return summary.ok;
}

/**
 * The summary with the policy line before its totals. A policy that is not enforced weakens the app but does
 * not break it, so the line never counts as a failure.
 */
export function withPolicyLine(lines: readonly string[], check: PolicyCheck): string[] {
  const totals = lines.length - 1;
  return [
    ...lines.slice(0, totals),
    `${check.verdict.padEnd(4)}  network policies: ${check.detail}`,
    ...lines.slice(totals),
  ];
}

/** Whether the cluster makes the app's NetworkPolicies hold; WARN says why not and how to fix it. */
export interface PolicyCheck {
  readonly verdict: "PASS" | "WARN" | "SKIP";
  readonly detail: string;
}

/** Reads the cluster's network plugin from its DaemonSets (host/cni.ts). */
export function networkPolicyCheck(
  k: Kubectl | undefined,
  run: CommandRunner,
  target: Pick<StackTarget, "kubeContext" | "usesMinikube" | "minikubeProfile">,
): PolicyCheck {
  if (!k) {
    return { verdict: "SKIP", detail: "kubectl is not available to read the cluster's network plugin" };
  }
  const result = runKubectl(k, run, ["get", "daemonsets", "--all-namespaces", "-o", "json"]);
  const enforcement = result.status === 0 ? policyEnforcement(result.stdout) : undefined;
  if (!enforcement) {
    const output = (result.error?.message ?? result.stderr).trim().split(/\r?\n/)[0] ?? "";
    return {
      verdict: "SKIP",
      detail: `could not list the cluster's DaemonSets (exit ${result.status ?? "?"}${output ? `: ${output}` : ""})`,
    };
  }
  if (enforcement.enforced) {
    return { verdict: "PASS", detail: `enforced by ${enforcement.plugin}` };
  }
  return {
    verdict: "WARN",
    detail:
      `not enforced: the cluster runs ${enforcement.plugin} (${enforcement.why}), so the backend and the ` +
      `database accept connections from any pod. ${policyFix(target)}`,
  };
}

function policyFix(target: Pick<StackTarget, "kubeContext" | "usesMinikube" | "minikubeProfile">): string {
  if (target.usesMinikube) {
    const p = target.minikubeProfile;
    return (
      `To enforce them, recreate the profile with Calico: \`${shellCommand(["minikube", "delete", "-p", p])}\`, then \`npm run up\`, ` +
      `which creates it with --cni=calico (or \`${shellCommand(["minikube", "start", "-p", p, "--cni=calico"])}\`). Deleting the ` +
      "profile deletes the in-cluster database with it: back it up first (README, Database)."
    );
  }
  if (kindClusterOf(target.kubeContext) !== undefined) {
    return (
      "To enforce them, recreate the cluster with kind v0.24.0 or newer, whose kindnetd enforces them, " +
      "or install Calico or Cilium in it."
    );
  }
  return "To enforce them, install a network plugin that implements NetworkPolicy (Calico, Cilium).";
}

async function frontendCheck(app: DeployedApp): Promise<CheckResult> {
  if (!app.frontendUrl) {
    return { name: "frontend /api/health", verdict: "FAIL", detail: "the stack exported no frontendUrl" };
  }
  const result = await pollHealth(
    "frontend /api/health",
    `${app.frontendUrl.replace(/\/+$/, "")}${FRONTEND.livenessPath}`,
    {
      fetch: (url, init) => fetch(url, init),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log,
    },
  );
  return result.verdict === "FAIL" && app.urlCommand
    ? {
        ...result,
        detail: `${result.detail}. If the node address is not routable here, try: ${app.urlCommand}`,
      }
    : result;
}
