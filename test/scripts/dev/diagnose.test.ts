/**
 * scripts/lib/dev/diagnose.ts against test/scripts/dev/fakeKubectl.cjs. The event query and order follow
 * kubernetes/kubectl pkg/cmd/events/events.go (Run: field selector on involvedObject.kind and .name; eventTime:
 * series.lastObservedTime, else lastTimestamp, else eventTime); `--previous` and `--tail` are kubectl's logs flags
 * (pkg/cmd/logs/logs.go).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { createChildren } from "../../../scripts/lib/dev/children";
import { diagnoseRollout, parseEvents } from "../../../scripts/lib/dev/diagnose";
import {
  type FakeCluster,
  type FakePod,
  fakeCluster,
  isRunning,
  BACKEND_PODS as BACKEND,
} from "./fakeCluster";

const healthy: FakePod = {
  name: "todo-backend-aaa-good1",
  labels: BACKEND.selector,
  created: "2026-03-01T10:00:00Z",
  containers: [{ name: "backend" }],
  logs: ["serving"],
};

const crashing: FakePod = {
  name: "todo-backend-bbb-crash",
  labels: BACKEND.selector,
  created: "2026-03-01T10:05:00Z",
  ready: false,
  containers: [
    {
      name: "backend",
      waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" },
      restartCount: 4,
      lastTerminated: { reason: "Error", exitCode: 1 },
    },
  ],
  previousLogs: [
    ...Array.from({ length: 30 }, (_, i) => `boot ${i}`),
    "Traceback (most recent call last):",
    "KeyError: 'DATABASE_URL'",
  ],
  events: [
    ...Array.from({ length: 11 }, (_, i) => ({
      reason: "Pulled",
      message: `Container image already present (${i})`,
      time: `2026-03-01T10:05:${String(10 + i).padStart(2, "0")}Z`,
    })),
    // Out of order on purpose: the list is sorted by time.
    { reason: "Scheduled", message: "Successfully assigned", time: "2026-03-01T10:05:01Z" },
    {
      type: "Warning" as const,
      reason: "BackOff",
      message: "Back-off restarting failed container backend",
      time: "2026-03-01T10:06:00Z",
      count: 5,
    },
  ],
};

let cluster: FakeCluster;
beforeEach(() => {
  cluster = fakeCluster();
});
afterEach(() => {
  expect(cluster.pids().filter(isRunning)).toEqual([]);
  cluster.remove();
});

describe("diagnoseRollout", () => {
  it("shows the crash-looping pod's state, its last 10 events in time order and its crashed container's last lines", async () => {
    cluster.write({ services: [], pods: [healthy, crashing] });
    const lines = await diagnoseRollout(cluster.access, BACKEND);
    expect(lines[0]).toBe("1 of 2 pods of todo-backend not ready:");
    expect(lines[1]).toBe(
      "pod todo-backend-bbb-crash: Running, not ready; container backend waiting: CrashLoopBackOff " +
        "(back-off 40s restarting failed container); restarted 4 times, last exit: Error (exit code 1)",
    );
    expect(lines[2]).toBe("  events (last 10 of 13, UTC):");
    const events = lines.slice(3, 13);
    expect(events[0]).toBe("    10:05:12 Normal Pulled: Container image already present (2)");
    expect(events[9]).toBe("    10:06:00 Warning BackOff (x5): Back-off restarting failed container backend");
    expect(lines[13]).toBe("  log of the previous container, the one that ended (last 20):");
    expect(lines.slice(14)).toHaveLength(20);
    expect(lines.at(-1)).toBe("    | KeyError: 'DATABASE_URL'");
    // The healthy old pod, which keeps serving, is not what failed.
    expect(lines.join("\n")).not.toContain("good1");
    const logCalls = cluster.calls().filter((a) => a.includes("logs"));
    expect(logCalls).toEqual([
      expect.arrayContaining(["logs", "todo-backend-bbb-crash", "-c", "backend", "--tail=20", "--previous"]),
    ]);
  });

  it("shows the current log of a pod that runs but is not ready, and an image that cannot be pulled", async () => {
    cluster.write({
      services: [],
      pods: [
        { ...healthy, name: "todo-backend-ccc-slow1", ready: false, logs: ["waiting for the database"] },
        {
          ...healthy,
          name: "todo-backend-ccc-nopul",
          created: "2026-03-01T10:09:00Z",
          ready: false,
          containers: [{ name: "backend", waiting: { reason: "ErrImageNeverPull" } }],
          events: [
            {
              type: "Warning",
              reason: "ErrImageNeverPull",
              message: 'Container image "todo-backend:abc" is not present with pull policy of Never',
              time: "2026-03-01T10:09:05Z",
            },
          ],
        },
      ],
    });
    const text = (await diagnoseRollout(cluster.access, BACKEND)).join("\n");
    expect(text).toContain("2 of 2 pods of todo-backend not ready:");
    expect(text).toContain(
      "pod todo-backend-ccc-nopul: Running, not ready; container backend waiting: ErrImageNeverPull",
    );
    expect(text).toContain('Warning ErrImageNeverPull: Container image "todo-backend:abc" is not present');
    expect(text).toContain(
      "pod todo-backend-ccc-slow1: Running, not ready; container backend running, not ready (its readiness probe fails)",
    );
    expect(text).toContain("  log of the current container (last 1):\n    | waiting for the database");
    // The newest failing pod comes first.
    expect(text.indexOf("nopul")).toBeLessThan(text.indexOf("slow1"));
  });

  it("never throws: a kubectl that cannot run gives a line saying so", async () => {
    const lines = await diagnoseRollout(
      { kubectl: { command: "definitely-not-kubectl-xyz", baseArgs: [] }, namespace: "ns" },
      BACKEND,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Could not read the pods of todo-backend: kubectl get pods -l .* failed: .*ENOENT/,
    );
  });

  it("says so when every pod is ready by the time it looks", async () => {
    cluster.write({ services: [], pods: [healthy] });
    expect(await diagnoseRollout(cluster.access, BACKEND, { children: createChildren() })).toEqual([
      "todo-backend: all 1 pod ready now.",
    ]);
  });
});

describe("parseEvents", () => {
  it("orders by the series' last observation, else lastTimestamp, else eventTime, as kubectl events does", () => {
    const events = parseEvents(
      JSON.stringify({
        items: [
          { reason: "c", eventTime: "2026-01-01T00:00:03.000000Z" },
          { reason: "a", lastTimestamp: "2026-01-01T00:00:01Z" },
          {
            reason: "d",
            series: { count: 7, lastObservedTime: "2026-01-01T00:00:04Z" },
            lastTimestamp: "2026-01-01T00:00:00Z",
          },
          { reason: "b", lastTimestamp: "2026-01-01T00:00:02Z" },
        ],
      }),
    );
    expect(events.map((e) => e.reason)).toEqual(["a", "b", "c", "d"]);
    expect(events[3].count).toBe(7);
  });
});
