/** The scheduler (scripts/lib/dev/loop.ts): one cycle at a time, what arrives meanwhile merged into one next. */
import { describe, expect, it } from "vitest";

import { createDevLoop, mergeBatches } from "../../../scripts/lib/dev/loop";
import type { ChangeBatch, CycleResult, DevService } from "../../../scripts/lib/dev/types";
import { waitFor } from "./fixtures";

function batch(services: DevService[], savedAt: number, program = false): ChangeBatch {
  return {
    services: new Set(services),
    program,
    files: services.map((s) => `/p/${s}/${savedAt}`),
    savedAt,
    detectedAt: savedAt + 100,
  };
}

const deployed = (b: ChangeBatch): CycleResult => ({
  outcome: { kind: "deployed", services: [...b.services], full: b.program },
  timings: { detect: b.detectedAt - b.savedAt, total: 1 },
});

/** A runCycle whose cycles end only when the test says so, recording what each ran and whether two overlapped. */
function controlledCycles() {
  const ran: ChangeBatch[] = [];
  const releases: ((fail?: Error) => void)[] = [];
  let active = 0;
  let overlapped = false;
  const runCycle = (b: ChangeBatch): Promise<CycleResult> => {
    ran.push(b);
    active++;
    overlapped ||= active > 1;
    return new Promise((resolve, reject) => {
      releases.push((fail) => {
        active--;
        if (fail) reject(fail);
        else resolve(deployed(b));
      });
    });
  };
  return { ran, releases, runCycle, overlapped: () => overlapped };
}

describe("createDevLoop", () => {
  it("runs three batches that arrive during one cycle as exactly one more cycle, merged", async () => {
    const cycles = controlledCycles();
    const results: CycleResult[] = [];
    const loop = createDevLoop({ runCycle: cycles.runCycle, onResult: (r) => results.push(r) });
    loop.submit(batch(["backend"], 1000));
    await waitFor(() => cycles.ran.length === 1, "the first cycle");
    loop.submit(batch(["backend"], 2000));
    loop.submit(batch(["frontend"], 1500, true));
    loop.submit(batch(["backend"], 3000));
    expect(cycles.ran).toHaveLength(1);
    cycles.releases[0]();
    await waitFor(() => cycles.ran.length === 2, "the second cycle");
    const second = cycles.ran[1];
    expect([...second.services].sort()).toEqual(["backend", "frontend"]);
    expect(second.program).toBe(true);
    expect(second.savedAt).toBe(1500);
    expect(second.detectedAt).toBe(1600);
    expect(second.files).toHaveLength(3);
    cycles.releases[1]();
    await loop.idle();
    expect(cycles.ran).toHaveLength(2);
    expect(results).toHaveLength(2);
    expect(cycles.overlapped()).toBe(false);
  });

  it("reports a cycle that throws and keeps going with the next batch", async () => {
    const cycles = controlledCycles();
    const errors: unknown[] = [];
    const loop = createDevLoop({
      runCycle: cycles.runCycle,
      onError: (error) => errors.push(error),
      onResult: () => {
        throw new Error("a reporter that throws");
      },
    });
    loop.submit(batch(["backend"], 1));
    await waitFor(() => cycles.ran.length === 1, "the first cycle");
    loop.submit(batch(["frontend"], 2));
    cycles.releases[0](new Error("boom"));
    await waitFor(() => cycles.ran.length === 2, "the cycle after the failure");
    cycles.releases[1]();
    await loop.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(["boom", "a reporter that throws"]);
    loop.submit(batch(["backend"], 3));
    await waitFor(() => cycles.ran.length === 3, "a third cycle");
    cycles.releases[2]();
    await loop.idle();
  });

  it("stop() waits for the running cycle, drops what is pending and runs nothing more", async () => {
    const cycles = controlledCycles();
    const loop = createDevLoop({ runCycle: cycles.runCycle });
    loop.submit(batch(["backend"], 1));
    await waitFor(() => cycles.ran.length === 1, "the first cycle");
    loop.submit(batch(["frontend"], 2));
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    expect(loop.running).toBe(true);
    cycles.releases[0]();
    await stopping;
    loop.submit(batch(["backend"], 3));
    await loop.idle();
    expect(cycles.ran).toHaveLength(1);
    expect(loop.running).toBe(false);
  });
});

describe("mergeBatches", () => {
  it("keeps the earliest save with its own detect time", () => {
    const merged = mergeBatches(batch(["frontend"], 50), batch(["backend"], 10));
    expect(merged.savedAt).toBe(10);
    expect(merged.detectedAt).toBe(110);
    expect([...merged.services].sort()).toEqual(["backend", "frontend"]);
  });
});
