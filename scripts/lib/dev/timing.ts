/**
 * The timings of one cycle and the line that reports them, like Skaffold's build and deploy times:
 *
 *   backend: ready in 12.4s (detect 0.12s, hash 0.01s, build 8.9s, update 1.1s, rollout 2.3s) todo-backend:c-1a2b...
 *
 * The phases of the update come from its engine events. Each event is stamped when it arrives, in milliseconds:
 * the engine's own `timestamp` is whole seconds (pulumi/pulumi pkg/backend/display/display.go, stampEvents:
 * `int(time.Now().Unix())`), too coarse for a 2-second rollout, while the Automation API of a CLI newer than
 * 3.205.0 streams the events over gRPC as they happen (sdk/nodejs/automation/stack.ts, setupEventLog), so the
 * arrival time is the event's time to within a few milliseconds. The engine stamp is the fallback when an
 * event has no arrival time.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

import { BACKEND, FRONTEND } from "../../../catalog";
import type { CycleResult, CycleTimings, DevService } from "./types";

/** An engine event and when it arrived (epoch ms). */
export interface TimedEvent {
  readonly event: EngineEvent;
  readonly at?: number;
}

/** The resource types whose steps are the image build: the build, and the load into kind or a containerd node. */
const BUILD_TYPES = new Set(["docker:index/image:Image", "command:local:Command"]);
/** The Deployment steps, inside which the provider waits for the new pods (pulumi-kubernetes provider/pkg/await). */
const ROLLOUT_TYPES = new Set(["kubernetes:apps/v1:Deployment"]);

export type StepKind = "build" | "rollout" | "other";

export function stepKind(type: string): StepKind {
  if (BUILD_TYPES.has(type)) return "build";
  if (ROLLOUT_TYPES.has(type)) return "rollout";
  return "other";
}

function eventTime(timed: TimedEvent): number {
  return timed.at ?? timed.event.timestamp * 1000;
}

/** One resource step of the update: from its pre-event to its outputs (or failure). */
export interface StepSpan {
  readonly urn: string;
  readonly type: string;
  readonly op: string;
  readonly start: number;
  readonly end: number;
  readonly failed: boolean;
}

/**
 * The steps of an update, from its events. Preview events (`planning`) and `same` steps (nothing done) are
 * left out; a step that never ended (a cancelled update) ends at `updateEnd`.
 */
export function stepSpans(events: readonly TimedEvent[], updateEnd: number): StepSpan[] {
  const open = new Map<string, { type: string; op: string; start: number }>();
  const spans: StepSpan[] = [];
  for (const timed of events) {
    const { resourcePreEvent: pre, resOutputsEvent: outputs, resOpFailedEvent: failed } = timed.event;
    if (pre && !pre.planning && pre.metadata.op !== "same") {
      open.set(pre.metadata.urn, { type: pre.metadata.type, op: pre.metadata.op, start: eventTime(timed) });
    }
    const ended = (outputs && !outputs.planning ? outputs : undefined) ?? failed;
    if (ended) {
      const started = open.get(ended.metadata.urn);
      if (started) {
        open.delete(ended.metadata.urn);
        spans.push({ urn: ended.metadata.urn, ...started, end: eventTime(timed), failed: ended === failed });
      }
    }
  }
  for (const [urn, started] of open) spans.push({ urn, ...started, end: updateEnd, failed: false });
  return spans;
}

/** The length of the union of intervals: two builds running side by side count once. */
function covered(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

/** Build, rollout, and the rest of the update's duration, in ms. */
export function updatePhases(
  events: readonly TimedEvent[],
  updateStart: number,
  updateEnd: number,
): { build?: number; rollout?: number; update: number } {
  const spans = stepSpans(events, updateEnd);
  const of = (kind: StepKind) =>
    spans.filter((s) => stepKind(s.type) === kind).map((s) => [s.start, s.end] as const);
  const builds = of("build");
  const rollouts = of("rollout");
  const busy = covered([...builds, ...rollouts]);
  return {
    ...(builds.length > 0 ? { build: covered(builds) } : {}),
    ...(rollouts.length > 0 ? { rollout: covered(rollouts) } : {}),
    update: Math.max(0, updateEnd - updateStart - busy),
  };
}

/** `0.12s` under a second, `8.9s` above: what a phase of that size needs. */
export function seconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 1 ? `${s.toFixed(2)}s` : `${s.toFixed(1)}s`;
}

function phaseList(t: CycleTimings): string {
  const parts: [string, number | undefined][] = [
    ["detect", t.detect],
    ["queued", t.queued],
    ["hash", t.hash],
    ["build", t.build],
    ["update", t.update],
    ["rollout", t.rollout],
  ];
  return parts
    .filter((p): p is [string, number] => p[1] !== undefined)
    .map(([name, ms]) => `${name} ${seconds(ms)}`)
    .join(", ");
}

/** The image repository each service's pods run, as the catalog names it (without a registry prefix). */
export function repositoryOf(service: DevService): string {
  return service === "backend" ? BACKEND.serviceName : FRONTEND.serviceName;
}

function refs(services: readonly DevService[], tags: ReadonlyMap<DevService, string>): string {
  return services.map((s) => `${repositoryOf(s)}:${tags.get(s) ?? "(unknown tag)"}`).join(", ");
}

/**
 * The lines for one cycle: the timing line, then any detail (indented). `before` and `after` are the deployed
 * tags before the cycle and after it (equal for a failed cycle: the last good version stays deployed).
 */
export function cycleLines(
  result: CycleResult,
  before: ReadonlyMap<DevService, string>,
  after: ReadonlyMap<DevService, string>,
): string[] {
  const { outcome, timings } = result;
  const phases = phaseList(timings);
  const label = (services: readonly DevService[], full: boolean): string => {
    const names = services.length > 0 ? services.join(", ") : "program";
    return full ? `${names} (full update: the program changed)` : names;
  };
  if (outcome.kind === "deployed") {
    const shown = outcome.services.length > 0 ? outcome.services : [];
    return [
      `${label(outcome.services, outcome.full)}: ready in ${seconds(timings.total)} (${phases})` +
        (shown.length > 0 ? ` ${refs(shown, after)}` : ""),
    ];
  }
  if (outcome.kind === "unchanged") {
    return [
      `${label(outcome.services, false)}: unchanged in ${seconds(timings.total)} (${phases}): the saved ` +
        `files hash to the deployed image, so nothing was built; still serving ${refs(outcome.services, before)}`,
    ];
  }
  const services = outcome.services.length > 0 ? outcome.services : [];
  const serving = services.length > 0 ? refs(services, before) : "the last deployed version";
  const why =
    outcome.phase === "build"
      ? `; the Deployment is updated only after its image is built, so it still serves ${serving}`
      : outcome.phase === "rollout"
        ? `: the new pods did not become ready; the old ones keep serving ${serving} (the rollout never ` +
          "takes a pod away before its replacement is ready)"
        : `; still serving ${serving}`;
  return [
    `${label(outcome.services, outcome.full)}: ${outcome.phase} failed after ${seconds(timings.total)} ` +
      `(${phases})${why}. Watching for the next change.`,
    ...outcome.detail.map((line) => `    ${line}`),
  ];
}
