/**
 * What the cluster side asks kubectl about pods, asynchronously so the loop stays responsive: the query runner
 * (a supervised child, so Ctrl-C leaves no query behind) and the parts of `kubectl get pods -o json` the log
 * streams and the rollout diagnosis read.
 */
import type { CommandResult } from "../../../host/process";
import type { Children } from "./children";
import type { ClusterAccess, ServicePods } from "./types";

/** Runs `kubectl <baseArgs> -n <namespace> <args>` to its end. */
export type KubectlQuery = (args: readonly string[]) => Promise<CommandResult>;

export const QUERY_TIMEOUT_MS = 20_000;

export function kubectlQuery(
  access: ClusterAccess,
  children: Children,
  timeoutMs = QUERY_TIMEOUT_MS,
): KubectlQuery {
  return (args) =>
    children.capture(
      {
        name: `kubectl ${args.slice(0, 2).join(" ")}`,
        command: access.kubectl.command,
        args: [...access.kubectl.baseArgs, "-n", access.namespace, ...args],
      },
      { timeoutMs },
    );
}

/** The arguments of a long-running kubectl child in the namespace. */
export function kubectlArgs(access: ClusterAccess, args: readonly string[]): string[] {
  return [...access.kubectl.baseArgs, "-n", access.namespace, ...args];
}

/** `k=v,k2=v2`, as `-l` takes a selector. */
export function selectorArg(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** The last `n` non-empty lines of a command's output, for messages. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-n);
}

/** Why a query failed, in one line: the start error, or kubectl's last stderr lines. */
export function failureOf(result: CommandResult): string {
  return (
    result.error?.message ??
    (lastLines(result.stderr, 3).join(" | ") ||
      lastLines(result.stdout, 3).join(" | ") ||
      `exit ${result.status}`)
  );
}

export interface ContainerState {
  readonly name: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly terminated?: { readonly reason?: string; readonly exitCode?: number; readonly message?: string };
  readonly lastTerminated?: {
    readonly reason?: string;
    readonly exitCode?: number;
    readonly finishedAt?: string;
    readonly message?: string;
  };
}

export interface PodState {
  readonly name: string;
  readonly created?: string;
  /** metadata.deletionTimestamp is set: the pod is terminating. */
  readonly deleting: boolean;
  readonly phase: string;
  /** The pod's Ready condition is True. */
  readonly ready: boolean;
  readonly containers: readonly ContainerState[];
}

interface RawContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: ContainerState["waiting"]; terminated?: ContainerState["terminated"] };
  lastState?: { terminated?: ContainerState["lastTerminated"] };
}

interface RawPodList {
  items?: {
    metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string };
    status?: {
      phase?: string;
      conditions?: { type?: string; status?: string }[];
      containerStatuses?: RawContainerStatus[];
    };
  }[];
}

/** The pods of `kubectl get pods -o json`, oldest first. */
export function parsePods(json: string): PodState[] {
  const list = JSON.parse(json) as RawPodList;
  return (list.items ?? [])
    .map((item) => ({
      name: item.metadata?.name ?? "",
      created: item.metadata?.creationTimestamp,
      deleting: item.metadata?.deletionTimestamp !== undefined,
      phase: item.status?.phase ?? "Unknown",
      ready: (item.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      containers: (item.status?.containerStatuses ?? []).map((c) => ({
        name: c.name ?? "",
        ready: c.ready === true,
        restartCount: c.restartCount ?? 0,
        waiting: c.state?.waiting,
        terminated: c.state?.terminated,
        lastTerminated: c.lastState?.terminated,
      })),
    }))
    .filter((pod) => pod.name !== "")
    .sort((a, b) => (a.created ?? "").localeCompare(b.created ?? "") || a.name.localeCompare(b.name));
}

/** The service's pods; throws with kubectl's own words when the query fails. */
export async function listPods(query: KubectlQuery, pods: ServicePods): Promise<PodState[]> {
  const selector = selectorArg(pods.selector);
  const result = await query(["get", "pods", "-l", selector, "-o", "json"]);
  if (result.status !== 0) {
    throw new Error(`kubectl get pods -l ${selector} failed: ${failureOf(result)}`);
  }
  try {
    return parsePods(result.stdout);
  } catch (error) {
    throw new Error(`kubectl get pods -l ${selector} printed no pod list: ${(error as Error).message}`);
  }
}

/**
 * A pod's name without its Deployment's: `todo-backend-6d8f7c9b5-7f9c2` is `7f9c2`, the part the ReplicaSet
 * controller makes unique per pod.
 */
export function shortPodName(pod: string): string {
  const last = pod.split("-").pop() ?? pod;
  return last.length > 0 ? last : pod;
}
