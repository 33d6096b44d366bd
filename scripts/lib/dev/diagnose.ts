/**
 * Why a rollout did not become ready, in lines a developer reads in the loop's terminal: the service's pods that
 * are not Ready (what their containers wait for, how often they restarted, how they last ended), each pod's last
 * events and its last log lines, those of the crashed container (`--previous`) when it restarted.
 *
 * Events are found as `kubectl events --for pod/<name>` finds them (kubernetes/kubectl pkg/cmd/events/events.go
 * Run: a field selector on involvedObject.kind and involvedObject.name) and ordered by its eventTime: the series'
 * last observation, else lastTimestamp, else eventTime.
 */
import { type Children, createChildren } from "./children";
import { type KubectlQuery, type PodState, failureOf, kubectlQuery, lastLines, listPods } from "./pods";
import type { ClusterAccess, ServicePods } from "./types";

export const DEFAULT_EVENT_COUNT = 10;
export const DEFAULT_LOG_LINES = 20;
/** The newest failing pods shown; a Deployment's other failing pods fail the same way. */
export const DEFAULT_MAX_PODS = 2;

export interface DiagnoseOptions {
  /** The supervisor to run kubectl under (so Ctrl-C stops it); by default one of its own, stopped at the end. */
  readonly children?: Children;
  readonly query?: KubectlQuery;
  readonly maxPods?: number;
  readonly eventCount?: number;
  readonly logLines?: number;
}

interface RawEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  firstTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  metadata?: { creationTimestamp?: string };
}

export interface PodEvent {
  readonly time: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

/** The events of `kubectl get events -o json`, oldest first, as kubectl's own events command orders them. */
export function parseEvents(json: string): PodEvent[] {
  const list = JSON.parse(json) as { items?: RawEvent[] };
  return (list.items ?? [])
    .map((e) => ({
      time:
        e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "",
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: (e.message ?? "").trim(),
      count: e.series?.count ?? e.count ?? 1,
    }))
    .sort((a, b) => Date.parse(a.time || "0") - Date.parse(b.time || "0"));
}

/** `HH:MM:SS` of an RFC 3339 time, in UTC as the API gives it. */
function clock(time: string): string {
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? "--:--:--" : new Date(parsed).toISOString().slice(11, 19);
}

export function formatEvent(event: PodEvent): string {
  const repeated = event.count > 1 ? ` (x${event.count})` : "";
  return `${clock(event.time)} ${event.type} ${event.reason}${repeated}: ${event.message}`;
}

/** One line on a pod and its app container: phase, readiness, waiting reason, restarts, last exit. */
export function describePod(pod: PodState, container: string): string {
  const parts = [`${pod.phase}${pod.ready ? ", ready" : ", not ready"}`];
  const status = pod.containers.find((c) => c.name === container);
  if (!status) {
    parts.push(`container ${container} not started yet`);
  } else {
    if (status.waiting) {
      const message = status.waiting.message ? ` (${status.waiting.message})` : "";
      parts.push(`container ${container} waiting: ${status.waiting.reason ?? "?"}${message}`);
    } else if (status.terminated) {
      parts.push(
        `container ${container} terminated: ${status.terminated.reason ?? "?"} (exit code ${status.terminated.exitCode ?? "?"})`,
      );
    } else if (!status.ready) {
      parts.push(`container ${container} running, not ready (its readiness probe fails)`);
    }
    if (status.restartCount > 0) {
      const last = status.lastTerminated;
      parts.push(
        `restarted ${status.restartCount} time${status.restartCount === 1 ? "" : "s"}` +
          (last ? `, last exit: ${last.reason ?? "?"} (exit code ${last.exitCode ?? "?"})` : ""),
      );
    }
  }
  return `pod ${pod.name}: ${parts.join("; ")}`;
}

async function podDetail(
  query: KubectlQuery,
  pod: PodState,
  pods: ServicePods,
  n: { events: number; lines: number },
): Promise<string[]> {
  const status = pod.containers.find((c) => c.name === pods.container);
  const restarted = (status?.restartCount ?? 0) > 0;
  const logArgs = (previous: boolean): string[] => [
    "logs",
    pod.name,
    "-c",
    pods.container,
    `--tail=${n.lines}`,
    ...(previous ? ["--previous"] : []),
  ];
  const [events, previous, current] = await Promise.all([
    query([
      "get",
      "events",
      "--field-selector",
      `involvedObject.kind=Pod,involvedObject.name=${pod.name}`,
      "-o",
      "json",
    ]),
    restarted ? query(logArgs(true)) : Promise.resolve(undefined),
    // A container that has not started, or waits to (re)start, has no current log; kubectl would only say so.
    status && !status.waiting ? query(logArgs(false)) : Promise.resolve(undefined),
  ]);
  const lines = [describePod(pod, pods.container)];
  if (events.status !== 0) {
    lines.push(`  events: kubectl get events failed: ${failureOf(events)}`);
  } else {
    try {
      const all = parseEvents(events.stdout);
      const shown = all.slice(-n.events);
      lines.push(
        all.length === 0
          ? "  events: none"
          : `  events (${shown.length < all.length ? `last ${shown.length} of ${all.length}` : all.length}, UTC):`,
        ...shown.map((e) => `    ${formatEvent(e)}`),
      );
    } catch (error) {
      lines.push(`  events: kubectl printed no event list (${(error as Error).message})`);
    }
  }
  const logSection = (label: string, result: Awaited<ReturnType<KubectlQuery>> | undefined): void => {
    if (!result) {
      return;
    }
    if (result.status !== 0) {
      lines.push(`  ${label}: kubectl logs failed: ${failureOf(result)}`);
      return;
    }
    const text = lastLines(result.stdout, n.lines);
    lines.push(
      text.length === 0 ? `  ${label}: none` : `  ${label} (last ${text.length}):`,
      ...text.map((l) => `    | ${l}`),
    );
  };
  logSection("log of the previous container, the one that ended", previous);
  logSection("log of the current container", current);
  return lines;
}

/**
 * The lines that say why `pods`' rollout is not ready. Never throws: a kubectl that fails gives a line saying so.
 */
export async function diagnoseRollout(
  access: ClusterAccess,
  pods: ServicePods,
  options: DiagnoseOptions = {},
): Promise<string[]> {
  const own = options.query || options.children ? undefined : createChildren();
  const query = options.query ?? kubectlQuery(access, options.children ?? own!);
  const n = {
    events: options.eventCount ?? DEFAULT_EVENT_COUNT,
    lines: options.logLines ?? DEFAULT_LOG_LINES,
  };
  try {
    let list: PodState[];
    try {
      list = await listPods(query, pods);
    } catch (error) {
      return [`Could not read the pods of ${pods.name}: ${(error as Error).message}`];
    }
    const live = list.filter((p) => !p.deleting);
    const failing = live.filter((p) => !p.ready).reverse();
    if (live.length === 0) {
      return [
        `${pods.name} has no pods in namespace ${access.namespace}: its ReplicaSet could not create any ` +
          "(the Deployment's and ReplicaSet's events say why).",
      ];
    }
    if (failing.length === 0) {
      return [`${pods.name}: all ${live.length} pod${live.length === 1 ? "" : "s"} ready now.`];
    }
    const shown = failing.slice(0, options.maxPods ?? DEFAULT_MAX_PODS);
    const details = await Promise.all(shown.map((p) => podDetail(query, p, pods, n)));
    return [
      `${failing.length} of ${live.length} pod${live.length === 1 ? "" : "s"} of ${pods.name} not ready` +
        (shown.length < failing.length ? ` (the newest ${shown.length} shown):` : ":"),
      ...details.flat(),
    ];
  } catch (error) {
    return [`Could not diagnose the rollout of ${pods.name}: ${(error as Error).message}`];
  } finally {
    await own?.stopAll();
  }
}
