/**
 * One cycle of `npm run dev`: hash what changed, run the update that deploys it, and say how long each phase
 * took or why it failed.
 *
 * - Hash: each changed service's content tag is computed as the program computes it (images/contextHash.ts);
 *   a service whose tag is the deployed one is dropped, so a save of identical content, or a touch, builds
 *   nothing.
 * - Update: a program change is a full update. Otherwise only the changed services' AppService subtrees are
 *   targeted (targets.ts): the engine keeps every other resource's old state without asking its provider, so
 *   the other service is untouched (the sources are cited in test/scripts/dev/cycle.test.ts).
 * - Failure: the Deployment takes the new image reference only once the image step succeeded (the image is an
 *   input of the Deployment), so a failed build leaves the old version deployed; a Deployment that does not
 *   become ready leaves the old pods serving (maxUnavailable 0 in k8s/podSpec.ts). The tag recorded as deployed
 *   stays the old one, so the next save of the same content builds again.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

import { redactUrlCredentials } from "../../../config/validate";
import { InterruptedError } from "../interrupt";
import { analyzeBuildContext, imageTag } from "../../../images/contextHash";
import { type StateResource, serviceOfUrn, serviceTargets } from "./targets";
import { type TimedEvent, stepKind, stepSpans, updatePhases } from "./timing";
import {
  type ChangeBatch,
  type CycleOutcome,
  type CycleResult,
  type CycleTimings,
  DEV_SERVICES,
  type DevService,
  type WatchedImage,
} from "./types";

/** What the cycle asks of the update (wired to `stack.up({ target, targetDependents: true, onEvent })`). */
export interface UpdateRequest {
  /** The URNs to target; undefined for a full update. */
  readonly targets?: readonly string[];
  readonly onEvent: (event: EngineEvent) => void;
}

export interface CycleDeps {
  readonly images: readonly WatchedImage[];
  /** The content tags deployed when the loop starts (the first update's), by service. */
  readonly deployed: ReadonlyMap<DevService, string>;
  /** The stack's resources: `stateResources(await stack.exportStack())`. */
  readonly readState: () => Promise<readonly StateResource[]>;
  /** Runs the update; rejects when it fails. An InterruptedError (Ctrl-C) is rethrown by the cycle. */
  readonly update: (request: UpdateRequest) => Promise<unknown>;
  /** The failing pods' events and last log lines, for a rollout that did not become ready. */
  readonly diagnoseRollout: (service: DevService) => Promise<string[]>;
  /** A line for the user (why a targeted update became a full one). Default: none. */
  readonly note?: (line: string) => void;
  readonly now?: () => number;
  /** The content tag of an image; default `contentTag`. */
  readonly tagOf?: (image: WatchedImage) => string;
}

export interface DevCycle {
  run(batch: ChangeBatch): Promise<CycleResult>;
  /** The tags deployed now, by service. */
  deployed(): ReadonlyMap<DevService, string>;
}

/** How many lines of a build's output, or of an error, a failed cycle shows. */
export const DETAIL_LINES = 20;

/** The content tag the program gives this image (components/serviceImage.ts: no target, no platform). */
export function contentTag(image: WatchedImage): string {
  return imageTag(
    analyzeBuildContext({
      context: image.context,
      dockerfile: image.dockerfile,
      buildArgs: { ...image.buildArgs },
    }).hash,
  );
}

/** The content tag of an image reference such as the stack's `backendImage` output, when it has one. */
export function tagOfReference(reference: string): string | undefined {
  const tag = reference.slice(reference.lastIndexOf(":") + 1);
  return /^c-[0-9a-f]{16}$/.test(tag) ? tag : undefined;
}

/** A terminal colour or cursor sequence (ESC, `[`, parameters, a final letter). */
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/** Lines as a user reads them: no colour codes (ANSI, or Pulumi's `<{%...%}>` tags), no URL credentials. */
export function cleanLines(text: string): string[] {
  return text
    .replace(/<\{%[^%]*%\}>/g, "")
    .replace(ANSI_ESCAPE, "")
    .split(/\r?\n/)
    .map((line) => redactUrlCredentials(line.trimEnd()))
    .filter((line) => line.trim() !== "");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function diagnostics(
  events: readonly TimedEvent[],
  keep: (urn: string | undefined, severity: string) => boolean,
) {
  return events.flatMap(({ event }) => {
    const diag = event.diagnosticEvent;
    return diag && keep(diag.urn, diag.severity) ? cleanLines(diag.message) : [];
  });
}

export function createCycle(deps: CycleDeps): DevCycle {
  const now = deps.now ?? Date.now;
  const tagOf = deps.tagOf ?? contentTag;
  const deployed = new Map(deps.deployed);
  const imageOf = new Map(deps.images.map((image) => [image.service, image]));

  const run = async (batch: ChangeBatch): Promise<CycleResult> => {
    const started = now();
    const waited = started - batch.detectedAt;
    const base = {
      detect: Math.max(0, batch.detectedAt - batch.savedAt),
      ...(waited >= 10 ? { queued: waited } : {}),
    };
    let full = batch.program;
    // A program change may change any image (a build arg, a context): the update hashes them all, so do we.
    const hashed = full ? DEV_SERVICES.filter((s) => imageOf.has(s)) : [...batch.services];
    const fresh = new Map<DevService, string>();
    for (const service of hashed) {
      const image = imageOf.get(service);
      if (image === undefined) continue;
      try {
        fresh.set(service, tagOf(image));
      } catch (error) {
        const end = now();
        return {
          outcome: {
            kind: "failed",
            services: [service],
            full,
            phase: "build",
            detail: cleanLines(`The image's inputs cannot be hashed: ${messageOf(error)}`),
          },
          timings: { ...base, hash: end - started, total: end - batch.savedAt },
        };
      }
    }
    const hashEnd = now();
    const hash = hashEnd - started;
    const changed = [...fresh].filter(([s, tag]) => deployed.get(s) !== tag).map(([s]) => s);
    if (!full && changed.length === 0) {
      return {
        outcome: { kind: "unchanged", services: [...batch.services] },
        timings: { ...base, hash, total: hashEnd - batch.savedAt },
      };
    }

    let targets: string[] | undefined;
    if (!full) {
      try {
        const picked = serviceTargets(await deps.readState(), changed);
        if (picked.missing.length > 0) {
          deps.note?.(
            `The stack's state has no AppService "${picked.missing.join('", "')}": running a full update instead.`,
          );
          full = true;
        } else {
          targets = picked.targets;
        }
      } catch (error) {
        deps.note?.(
          `The stack's state could not be read (${messageOf(error)}): running a full update instead.`,
        );
        full = true;
      }
    }

    const events: TimedEvent[] = [];
    const updateStart = now();
    let failure: { error: unknown } | undefined;
    try {
      await deps.update({
        ...(targets === undefined ? {} : { targets }),
        onEvent: (event) => events.push({ event, at: now() }),
      });
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      failure = { error };
    }
    const updateEnd = now();
    const timings: CycleTimings = {
      ...base,
      hash,
      ...updatePhases(events, updateStart, updateEnd),
      total: updateEnd - batch.savedAt,
    };
    const services = changed;
    if (failure === undefined) {
      for (const [service, tag] of fresh) if (full || changed.includes(service)) deployed.set(service, tag);
      return { outcome: { kind: "deployed", services, full }, timings };
    }

    // A service whose Deployment step finished runs its new image, even when another part of the update failed.
    const spans = stepSpans(events, updateEnd);
    for (const span of spans) {
      if (stepKind(span.type) !== "rollout" || span.failed) continue;
      const service = serviceOfUrn(span.urn, DEV_SERVICES);
      const tag = service && fresh.get(service);
      if (service && tag) deployed.set(service, tag);
    }
    const outcome = await failedOutcome(events, spans, failure.error, services, full, deps.diagnoseRollout);
    return { outcome, timings };
  };

  return { run, deployed: () => new Map(deployed) };
}

async function failedOutcome(
  events: readonly TimedEvent[],
  spans: ReturnType<typeof stepSpans>,
  error: unknown,
  services: readonly DevService[],
  full: boolean,
  diagnoseRollout: (service: DevService) => Promise<string[]>,
): Promise<CycleOutcome> {
  const failedSteps = spans.filter((s) => s.failed);
  const build = failedSteps.find((s) => stepKind(s.type) === "build");
  if (build) {
    const output = diagnostics(events, (urn) => urn === build.urn);
    const lines = output.length > 0 ? output : cleanLines(messageOf(error));
    return { kind: "failed", services, full, phase: "build", detail: lines.slice(-DETAIL_LINES) };
  }
  const rollout = failedSteps.find((s) => stepKind(s.type) === "rollout");
  if (rollout) {
    const service = serviceOfUrn(rollout.urn, DEV_SERVICES);
    const provider = diagnostics(events, (urn, severity) => urn === rollout.urn && severity === "error");
    let pods: string[] = [];
    if (service) {
      try {
        pods = (await diagnoseRollout(service)).flatMap(cleanLines);
      } catch (diagnoseError) {
        pods = [`The failing pods could not be read: ${messageOf(diagnoseError)}`];
      }
    }
    return {
      kind: "failed",
      services,
      full,
      phase: "rollout",
      detail: [...provider.slice(-DETAIL_LINES), ...pods],
    };
  }
  const errors = diagnostics(events, (_urn, severity) => severity === "error");
  const lines = errors.length > 0 ? errors : cleanLines(messageOf(error));
  return { kind: "failed", services, full, phase: "update", detail: lines.slice(-DETAIL_LINES) };
}
