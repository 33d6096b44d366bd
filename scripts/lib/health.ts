/**
 * The checks run once a rollout has finished, shared by `npm run up` and the integration test: the frontend's
 * `/api/health` through the URL the stack printed, and the backend's `/health` from inside a frontend pod.
 *
 * The backend is reached with `kubectl exec deploy/<frontend> -- node -e "fetch(...)"` rather than a
 * port-forward: the frontend image always has node (Node 20 has fetch built in) and the restricted pod profile
 * does not limit exec; the request takes the same path the frontend's own calls take (Service DNS, cluster
 * network), so a pass also proves the frontend can reach the backend; and nothing long-running or a free local
 * port is needed.
 */
import { BACKEND, FRONTEND, clusterUrl } from "../../catalog";
import type { CommandResult, CommandRunner } from "../../host/process";

/** The in-cluster URL of the backend, when the stack does not export one. */
export const DEFAULT_BACKEND_URL = clusterUrl(BACKEND);

export type Verdict = "PASS" | "FAIL" | "SKIP";

export interface CheckResult {
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface PollOptions {
  readonly fetch: FetchLike;
  readonly sleep: (ms: number) => Promise<void>;
  /** How many requests at most. */
  readonly attempts?: number;
  readonly intervalMs?: number;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** A body of `{"status":"healthy", ...}`. */
export function isHealthyBody(body: string): boolean {
  try {
    return (JSON.parse(body) as { status?: unknown }).status === "healthy";
  } catch {
    return false;
  }
}

/**
 * GETs `url` until it answers 200 with a healthy body, at most `attempts` times `intervalMs` apart. A NodePort
 * can take a few seconds to answer after the pods are ready (kube-proxy programs the node), hence retries; the
 * bound keeps a broken deploy from hanging the command.
 */
export async function pollHealth(name: string, url: string, options: PollOptions): Promise<CheckResult> {
  const attempts = options.attempts ?? 30;
  const intervalMs = options.intervalMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 5000;
  let last = "no request made";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await options.fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      if (response.status === 200 && isHealthyBody(body)) {
        return { name, verdict: "PASS", detail: `${url} answered 200 ${body.trim()} (attempt ${attempt})` };
      }
      last = `HTTP ${response.status} ${body.trim().slice(0, 200)}`;
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      last = cause ?? (error as Error).message;
    }
    if (attempt < attempts) {
      options.log?.(
        `  ${name}: not healthy yet (${last}); retry ${attempt}/${attempts - 1} in ${intervalMs / 1000}s`,
      );
      await options.sleep(intervalMs);
    }
  }
  return { name, verdict: "FAIL", detail: `${url} not healthy after ${attempts} attempts; last: ${last}` };
}

/** How to run kubectl against the stack's cluster: the command, and the flags every call starts with. */
export interface Kubectl {
  readonly command: string;
  readonly baseArgs: readonly string[];
}

/**
 * kubectl on PATH when there is one; else minikube's bundled `minikube kubectl --` for a minikube stack (so a
 * machine with only minikube still gets the checks); else undefined and the checks that need it are skipped.
 * The context is always explicit, like the program's provider: never the ambient current-context.
 */
export function findKubectl(
  run: CommandRunner,
  target: { kubeContext: string; kubeconfig?: string; minikubeProfile?: string },
): Kubectl | undefined {
  const flags = [
    "--context",
    target.kubeContext,
    ...(target.kubeconfig ? ["--kubeconfig", target.kubeconfig] : []),
  ];
  const probe = run("kubectl", ["version", "--client"]);
  if (probe.status === 0) {
    return { command: "kubectl", baseArgs: flags };
  }
  if (target.minikubeProfile) {
    return { command: "minikube", baseArgs: ["-p", target.minikubeProfile, "kubectl", "--", ...flags] };
  }
  return undefined;
}

export function kubectl(k: Kubectl, run: CommandRunner, args: readonly string[]): CommandResult {
  return run(k.command, [...k.baseArgs, ...args]);
}

function outputOf(result: CommandResult): string {
  return (result.error?.message ?? `${result.stderr}\n${result.stdout}`)
    .trim()
    .split(/\r?\n/)
    .slice(-3)
    .join(" | ");
}

/** `kubectl rollout status`: waits until the Deployment's new pods are all available, or the timeout passes. */
export function rolloutStatus(
  k: Kubectl,
  run: CommandRunner,
  namespace: string,
  deployment: string,
  timeoutSeconds = 180,
): CheckResult {
  const name = `rollout of ${deployment}`;
  const result = kubectl(k, run, [
    "-n",
    namespace,
    "rollout",
    "status",
    `deployment/${deployment}`,
    `--timeout=${timeoutSeconds}s`,
  ]);
  return result.status === 0
    ? { name, verdict: "PASS", detail: "all replicas available" }
    : { name, verdict: "FAIL", detail: outputOf(result) || `exit ${result.status}` };
}

/**
 * Runs inside the frontend container: GETs the URL given as its argument and prints one JSON line with the
 * status and body (or the error), so the answer is parsed here, not by shell tricks in the pod.
 */
export const IN_POD_FETCH =
  "fetch(process.argv[1],{signal:AbortSignal.timeout(5000)})" +
  ".then(async r=>console.log(JSON.stringify({status:r.status,body:await r.text()})))" +
  ".catch(e=>{console.log(JSON.stringify({error:String((e&&e.cause)||e)}));process.exit(3)})";

export function backendHealthArgs(namespace: string, backendUrl: string): string[] {
  return [
    "-n",
    namespace,
    "exec",
    `deploy/${FRONTEND.serviceName}`,
    "-c",
    FRONTEND.container,
    "--",
    "node",
    "-e",
    IN_POD_FETCH,
    `${backendUrl.replace(/\/+$/, "")}${BACKEND.livenessPath}`,
  ];
}

/** Reads the line IN_POD_FETCH printed. */
export function parseInPodFetch(result: CommandResult): { ok: boolean; detail: string } {
  const line = result.stdout
    .trim()
    .split(/\r?\n/)
    .reverse()
    .find((l) => l.trim().startsWith("{"));
  if (!line) {
    return { ok: false, detail: `kubectl exec failed: ${outputOf(result) || `exit ${result.status}`}` };
  }
  try {
    const answer = JSON.parse(line) as { status?: number; body?: string; error?: string };
    if (answer.error !== undefined) {
      return { ok: false, detail: `request failed inside the pod: ${answer.error}` };
    }
    const body = (answer.body ?? "").trim();
    return answer.status === 200 && isHealthyBody(body)
      ? { ok: true, detail: `200 ${body}` }
      : { ok: false, detail: `HTTP ${answer.status} ${body.slice(0, 200)}` };
  } catch {
    return { ok: false, detail: `unexpected output: ${line.slice(0, 200)}` };
  }
}

export function backendHealth(
  k: Kubectl,
  run: CommandRunner,
  namespace: string,
  backendUrl: string = DEFAULT_BACKEND_URL,
): CheckResult {
  const name = "backend /health (from a frontend pod)";
  const url = `${backendUrl.replace(/\/+$/, "")}${BACKEND.livenessPath}`;
  const parsed = parseInPodFetch(kubectl(k, run, backendHealthArgs(namespace, backendUrl)));
  return { name, verdict: parsed.ok ? "PASS" : "FAIL", detail: `${url}: ${parsed.detail}` };
}

/** The pods of a Deployment, as `kubectl get pods -o json` lists them. */
interface PodList {
  items?: {
    metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string };
    status?: { phase?: string };
  }[];
}

/** The label selector of a Deployment (`kubectl get deployment -o json`), as `-l` takes it. */
export function deploymentSelector(deploymentJson: string): string {
  const deployment = JSON.parse(deploymentJson) as {
    spec?: { selector?: { matchLabels?: Record<string, string> } };
  };
  const labels = deployment.spec?.selector?.matchLabels ?? {};
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  if (!selector) {
    throw new Error("the Deployment has no matchLabels selector");
  }
  return selector;
}

export interface PodGeneration {
  /** Names of the running pods that are not being deleted. */
  readonly pods: readonly string[];
  /** Their `pod-template-hash` labels: one value per ReplicaSet, so a new value means a new pod template. */
  readonly templateHashes: readonly string[];
}

export function livePods(podsJson: string): PodGeneration {
  const list = JSON.parse(podsJson) as PodList;
  const live = (list.items ?? []).filter(
    (p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp,
  );
  return {
    pods: live.map((p) => p.metadata?.name ?? "").sort(),
    templateHashes: [...new Set(live.map((p) => p.metadata?.labels?.["pod-template-hash"] ?? ""))].sort(),
  };
}

/** True when none of the pods after an update is one from before and their template is a new one. */
export function podsRolled(before: PodGeneration, after: PodGeneration): boolean {
  return (
    after.pods.length > 0 &&
    after.pods.every((p) => !before.pods.includes(p)) &&
    after.templateHashes.every((h) => h !== "" && !before.templateHashes.includes(h))
  );
}

export function podGeneration(
  k: Kubectl,
  run: CommandRunner,
  namespace: string,
  deployment: string,
): PodGeneration {
  const deploymentResult = kubectl(k, run, ["-n", namespace, "get", "deployment", deployment, "-o", "json"]);
  if (deploymentResult.status !== 0) {
    throw new Error(`kubectl get deployment ${deployment} failed: ${outputOf(deploymentResult)}`);
  }
  const selector = deploymentSelector(deploymentResult.stdout);
  const pods = kubectl(k, run, ["-n", namespace, "get", "pods", "-l", selector, "-o", "json"]);
  if (pods.status !== 0) {
    throw new Error(`kubectl get pods -l ${selector} failed: ${outputOf(pods)}`);
  }
  return livePods(pods.stdout);
}

export function summarize(results: readonly CheckResult[]): { lines: string[]; ok: boolean } {
  const lines = results.map((r) => `${r.verdict.padEnd(4)}  ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => r.verdict === "FAIL").length;
  const skipped = results.filter((r) => r.verdict === "SKIP").length;
  const passed = results.length - failed - skipped;
  lines.push(`${failed === 0 ? "PASS" : "FAIL"}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { lines, ok: failed === 0 };
}
