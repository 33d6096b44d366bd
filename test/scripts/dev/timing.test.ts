/**
 * Phase timings from engine events (scripts/lib/dev/timing.ts). The engine stamps events in whole seconds
 * (pulumi/pulumi pkg/backend/display/display.go, stampEvents: `int(time.Now().Unix())`; the field is documented
 * as "a Unix timestamp (seconds)" in sdk/nodejs/automation/events.ts), so an event's arrival time, in ms, is used
 * when there is one: with a CLI newer than 3.205.0 the Automation API receives the events over gRPC as they are
 * emitted (sdk/nodejs/automation/stack.ts setupEventLog), an older one tails a file every 200 ms (readLines).
 */
import { describe, expect, it } from "vitest";

import { cycleLines, seconds, stepSpans, updatePhases } from "../../../scripts/lib/dev/timing";
import type { TimedEvent } from "../../../scripts/lib/dev/timing";
import { engineEvents as ev } from "./fixtures";

const IMAGE = "docker:index/image:Image";
const LOAD = "command:local:Command";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("updatePhases", () => {
  it("counts two builds side by side once, the load as build, and the rest of the update apart", () => {
    const events: TimedEvent[] = [
      { at: 1000, event: ev.pre("b-image", IMAGE) },
      { at: 1500, event: ev.pre("f-image", IMAGE) },
      { at: 5000, event: ev.outputs("b-image", IMAGE) },
      { at: 5000, event: ev.pre("b-load", LOAD) },
      { at: 6000, event: ev.outputs("b-load", LOAD) },
      { at: 7000, event: ev.outputs("f-image", IMAGE) },
      { at: 7000, event: ev.pre("b-deployment", DEPLOYMENT) },
      { at: 9000, event: ev.outputs("b-deployment", DEPLOYMENT) },
    ];
    expect(updatePhases(events, 0, 10_000)).toEqual({ build: 6000, rollout: 2000, update: 2000 });
  });

  it("leaves out preview events and `same` steps, and ends a step that never finished at the update's end", () => {
    const events: TimedEvent[] = [
      {
        at: 100,
        event: {
          ...ev.pre("b-image", IMAGE),
          resourcePreEvent: { ...ev.pre("b-image", IMAGE).resourcePreEvent!, planning: true },
        },
      },
      { at: 200, event: ev.pre("f-deployment", DEPLOYMENT, "same") },
      { at: 300, event: ev.outputs("f-deployment", DEPLOYMENT, "same") },
      { at: 1000, event: ev.pre("b-deployment", DEPLOYMENT) },
    ];
    expect(updatePhases(events, 0, 4000)).toEqual({ rollout: 3000, update: 1000 });
    expect(stepSpans(events, 4000)).toEqual([
      { urn: "b-deployment", type: DEPLOYMENT, op: "update", start: 1000, end: 4000, failed: false },
    ]);
  });

  it("falls back to the engine's whole-second timestamps for an event without an arrival time", () => {
    const events: TimedEvent[] = [
      { event: ev.pre("b-image", IMAGE, "update", 1_700_000_010) },
      { event: ev.failed("b-image", IMAGE, "update", 1_700_000_013) },
    ];
    expect(updatePhases(events, 1_700_000_009_000, 1_700_000_014_000)).toEqual({ build: 3000, update: 2000 });
    expect(stepSpans(events, 0)[0].failed).toBe(true);
  });
});

describe("the cycle line", () => {
  const tags = new Map([
    ["backend", "c-1a2b3c4d5e6f7a8b"],
    ["frontend", "c-0000000000000001"],
  ] as const);
  it("prints what changed, the phases in order, and what runs now", () => {
    const [line] = cycleLines(
      {
        outcome: { kind: "deployed", services: ["backend"], full: false },
        timings: { detect: 120, hash: 10, build: 8900, update: 1100, rollout: 2300, total: 12_430 },
      },
      new Map(),
      tags,
    );
    expect(line).toBe(
      "backend: ready in 12.4s (detect 0.12s, hash 0.01s, build 8.9s, update 1.1s, rollout 2.3s) todo-backend:c-1a2b3c4d5e6f7a8b",
    );
  });

  it("says a failed build leaves the last good version serving, and shows the detail indented", () => {
    const lines = cycleLines(
      {
        outcome: {
          kind: "failed",
          services: ["backend"],
          full: false,
          phase: "build",
          detail: ["ERROR: failed to solve"],
        },
        timings: { detect: 100, hash: 10, build: 3000, update: 90, total: 3200 },
      },
      tags,
      tags,
    );
    expect(lines[0]).toMatch(
      /^backend: build failed after 3\.2s \(detect 0\.10s, hash 0\.01s, build 3\.0s, update 0\.09s\)/,
    );
    expect(lines[0]).toContain("still serves todo-backend:c-1a2b3c4d5e6f7a8b");
    expect(lines[1]).toBe("    ERROR: failed to solve");
    expect(seconds(999)).toBe("1.00s");
    expect(seconds(62_049)).toBe("62.0s");
  });
});
