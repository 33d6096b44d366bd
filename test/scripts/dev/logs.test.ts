/**
 * scripts/lib/dev/logs.ts against test/scripts/dev/fakeKubectl.cjs with real processes. The flags it passes are
 * kubectl's (kubernetes/kubectl pkg/cmd/logs/logs.go: -f/--follow, -c/--container, --tail, --since-time RFC 3339),
 * and one stream per pod because a selector's `kubectl logs -l` builds its requests once (RunLogsContext).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type Children, createChildren } from "../../../scripts/lib/dev/children";
import { type LogStreams, createLogStreams, logPrefix, shortNote } from "../../../scripts/lib/dev/logs";
import type { ServicePods } from "../../../scripts/lib/dev/types";
import {
  type FakeCluster,
  type FakePod,
  type FakeState,
  fakeCluster,
  isRunning,
  until,
  BACKEND_PODS as BACKEND,
  FRONTEND_PODS as FRONTEND,
} from "./fakeCluster";

const pod = (svc: ServicePods, name: string, logs: string[], extra: Partial<FakePod> = {}): FakePod => ({
  name,
  service: svc.name,
  labels: svc.selector,
  containers: [{ name: svc.container }],
  logs,
  ...extra,
});

let cluster: FakeCluster;
let children: Children;
let out: string[];
let streams: LogStreams;

beforeEach(() => {
  cluster = fakeCluster();
  children = createChildren({ graceMs: 500 });
  out = [];
  streams = createLogStreams({
    access: cluster.access,
    children,
    services: [BACKEND, FRONTEND],
    write: (line) => out.push(line),
    firstTail: 3,
  });
});

afterEach(async () => {
  await streams.stop();
  await children.stopAll();
  expect(cluster.pids().filter(isRunning)).toEqual([]);
  cluster.remove();
});

const linesOf = (prefix: string): string[] =>
  out.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));

describe("log streams", () => {
  it("prefixes each line with the service and the short pod, aligned, and follows lines as they come", async () => {
    const backendLines = Array.from({ length: 8 }, (_, i) => `b${i}`);
    const state: FakeState = {
      services: [],
      pods: [
        pod(BACKEND, "todo-backend-6d8f7c9b5-7f9c2", backendLines),
        pod(FRONTEND, "todo-frontend-5c4b3a2d1-k2j4x", ["ready on 3000"]),
      ],
    };
    cluster.write(state);
    await streams.refresh();
    await until("both streams", () => out.length >= 4);
    // The first attach shows the last --tail lines only.
    expect(linesOf("backend  7f9c2 | ")).toEqual(["b5", "b6", "b7"]);
    expect(linesOf("frontend k2j4x | ")).toEqual(["ready on 3000"]);
    cluster.write({
      ...state,
      pods: [pod(BACKEND, "todo-backend-6d8f7c9b5-7f9c2", [...backendLines, "b8", "b9"]), state.pods[1]],
    });
    await until("the new lines", () => linesOf("backend  7f9c2 | ").length === 5);
    expect(linesOf("backend  7f9c2 | ")).toEqual(["b5", "b6", "b7", "b8", "b9"]);
    expect([...streams.followed].sort()).toEqual([
      "todo-backend-6d8f7c9b5-7f9c2",
      "todo-frontend-5c4b3a2d1-k2j4x",
    ]);
  });

  it("follows a rollout's new pod from its first line after refresh() and drops the stream of the pod that is gone", async () => {
    cluster.write({ services: [], pods: [pod(BACKEND, "todo-backend-aaa-olda1", ["old 1", "old 2"])] });
    await streams.refresh();
    await until("the old pod's lines", () => linesOf("backend  olda1 | ").length === 2);
    const newLines = Array.from({ length: 6 }, (_, i) => `new ${i}`);
    cluster.write({ services: [], pods: [pod(BACKEND, "todo-backend-bbb-newb1", newLines)] });
    await streams.refresh();
    await until("the new pod's lines", () => linesOf("backend  newb1 | ").length === 6);
    // From its start, not a tail, and in order.
    expect(linesOf("backend  newb1 | ")).toEqual(newLines);
    expect(streams.followed).toEqual(["todo-backend-bbb-newb1"]);
  });

  it("shows a kubectl complaint (a container waiting to start) once, shortened, however often it recurs", async () => {
    cluster.write({
      services: [],
      pods: [
        pod(BACKEND, "todo-backend-ccc-crash", [], {
          containers: [{ name: "backend", waiting: { reason: "CrashLoopBackOff" }, restartCount: 3 }],
        }),
      ],
    });
    await streams.refresh();
    await until("the complaint", () => out.length === 1);
    await until("the stream to end", () => streams.followed.length === 0);
    await streams.refresh();
    await until(
      "the second stream to end",
      () => streams.followed.length === 0 && cluster.pids().length >= 4,
    );
    expect(out).toEqual([
      'backend  crash | (kubectl) container "backend" in pod "todo-backend-ccc-crash" is waiting to start: CrashLoopBackOff',
    ]);
    // A pod followed before is followed again from when its last stream ended, so no line shows twice.
    const follows = cluster.calls().filter((args) => args.includes("logs"));
    expect(follows).toHaveLength(2);
    expect(follows[0]).toEqual(
      expect.arrayContaining(["-f", "todo-backend-ccc-crash", "-c", "backend", "--tail=3"]),
    );
    expect(follows[1].find((a) => a.startsWith("--since-time="))).toMatch(
      /^--since-time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
  });

  it("coalesces refreshes that arrive while one runs into one more", async () => {
    cluster.write({ services: [], pods: [] });
    await Promise.all([streams.refresh(), streams.refresh(), streams.refresh(), streams.refresh()]);
    const listings = cluster.calls().filter((args) => args.includes("pods"));
    // One listing per service for the running refresh, and one per service for the coalesced next one.
    expect(listings).toHaveLength(4);
  });

  it("says once that the pods cannot be listed, and keeps going", async () => {
    const failing = createLogStreams({
      access: { ...cluster.access, kubectl: { command: "definitely-not-kubectl-xyz", baseArgs: [] } },
      children,
      services: [BACKEND],
      write: (line) => out.push(line),
    });
    await failing.refresh();
    await failing.refresh();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^backend\s+\| \(kubectl\) cannot list the pods to follow: kubectl get pods -l .* failed: .*ENOENT/,
    );
  });
});

describe("log prefixes", () => {
  it("are aligned for both services and coloured only when asked", () => {
    expect(logPrefix("backend", "todo-backend-6d8f7c9b5-7f9c2", 8)).toBe("backend  7f9c2 | ");
    expect(logPrefix("frontend", "todo-frontend-6d8f7c9b5-abcde", 8)).toBe("frontend abcde | ");
    expect(logPrefix("backend", "todo-backend-6d8f7c9b5-7f9c2", 8, true)).toBe(
      "\u001b[36mbackend  7f9c2 |\u001b[0m ",
    );
  });

  it("take the server's boilerplate off kubectl's complaints and cut long ones", () => {
    expect(
      shortNote(
        'Error from server (BadRequest): container "x" in pod "y" is waiting to start: ContainerCreating',
      ),
    ).toBe('container "x" in pod "y" is waiting to start: ContainerCreating');
    expect(shortNote(`error: ${"z".repeat(300)}`)).toHaveLength(160);
  });
});
