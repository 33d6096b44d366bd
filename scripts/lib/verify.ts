/**
 * The checks `npm run up` runs once the update finished: both rollouts from the cluster's side, the frontend's
 * `/api/health` through the URL the stack printed, and the backend's `/health` from inside a frontend pod.
 */
import { BACKEND, FRONTEND } from "../../catalog";
import { captureRunner } from "../../host/process";
import {
  type CheckResult,
  DEFAULT_BACKEND_URL,
  backendHealth,
  findKubectl,
  pollHealth,
  rolloutStatus,
  summarize,
} from "./health";
import { log } from "./log";
import { missingToolMessage } from "./prerequisites";
import type { Session } from "./session";

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
  summary.lines.forEach((line) => log(line));
  return summary.ok;
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
