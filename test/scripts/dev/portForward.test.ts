/**
 * scripts/lib/dev/portForward.ts against test/scripts/dev/fakeKubectl.cjs, real processes and real sockets.
 * The fake behaves as kubectl's sources say the real one does:
 * - kubernetes/kubectl pkg/cmd/portforward/portforward.go: Complete resolves `svc/<name>` to one pod
 *   (polymorphichelpers.AttachablePodForObjectFn, then `o.PodName = forwardablePod.Name`) and RunPortForwardContext
 *   forwards to that pod only, so a forward started before a rollout keeps reaching the old pod.
 * - kubernetes/client-go tools/portforward/portforward.go: getListener prints `Forwarding from <host:port> -> <port>`
 *   on stdout per listener before forward() reports ready; a taken port prints `Unable to listen on port %d: ...` and
 *   fails with `unable to listen on any of the requested ports`; once the stream to the pod closes, forward()
 *   returns ErrLostConnectionToPod ("lost connection to pod") and kubectl exits.
 */
import * as net from "net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type Children, createChildren } from "../../../scripts/lib/dev/children";
import {
  type PortForward,
  checkLocalPort,
  createPortForward,
  forwardFailure,
} from "../../../scripts/lib/dev/portForward";
import { type FakeCluster, type FakePod, fakeCluster, freePort, get, isRunning, until } from "./fakeCluster";

const SERVICE = { service: "frontend" as const, name: "todo-frontend", port: 3000 };
const pod = (name: string): FakePod => ({
  name,
  service: SERVICE.name,
  labels: { "app.kubernetes.io/component": "frontend" },
});

let cluster: FakeCluster;
let children: Children;
let logged: string[];
let forward: PortForward | undefined;

beforeEach(() => {
  cluster = fakeCluster();
  children = createChildren({ graceMs: 500 });
  logged = [];
});

afterEach(async () => {
  await forward?.stop();
  await children.stopAll();
  expect(cluster.pids().filter(isRunning)).toEqual([]);
  cluster.remove();
});

async function makeForward(localPort?: number): Promise<PortForward> {
  forward = createPortForward({
    access: cluster.access,
    children,
    service: SERVICE,
    localPort: localPort ?? (await freePort()),
    portFlag: "--frontend-port",
    log: (line) => logged.push(line),
    readyTimeoutMs: 5000,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  return forward;
}

describe("port-forward", () => {
  it("reaches the new pod on the same URL after restart(), which a forward started before the rollout does not", async () => {
    cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-aaa-podaa")] });
    const pf = await makeForward();
    await pf.start();
    expect(pf.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(pf.url)).toBe("todo-frontend-aaa-podaa");

    // The rollout's new pod is ready while the old one still runs: the running forward stays on the old pod.
    cluster.write({
      services: [SERVICE.name],
      pods: [pod("todo-frontend-bbb-podbb"), pod("todo-frontend-aaa-podaa")],
    });
    expect(await get(pf.url)).toBe("todo-frontend-aaa-podaa");
    await pf.restart();
    expect(await get(pf.url)).toBe("todo-frontend-bbb-podbb");
    expect(cluster.pids()).toHaveLength(2);
    // A planned restart is not news: nothing is logged, and the caller prints the URL once.
    expect(logged).toEqual([]);
  });

  it("re-establishes a forward that exited on its own (its pod was deleted) with backoff, while not stopped", async () => {
    cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-aaa-podaa")] });
    const pf = await makeForward();
    await pf.start();
    const first = cluster.pids()[0];
    cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-ccc-podcc")] });
    await until("the old kubectl to exit", () => !isRunning(first));
    // `up` turns false only once the supervisor has seen the exit, so wait for the forward's own word.
    await until("the forward to be back", () => logged.some((l) => l.includes("forwarding again")));
    expect(pf.up).toBe(true);
    expect(await get(pf.url)).toBe("todo-frontend-ccc-podcc");
    expect(logged[0]).toMatch(
      /frontend's port-forward to svc\/todo-frontend was lost \(error: lost connection to pod\)/,
    );
    expect(logged.at(-1)).toBe(`the frontend's port-forward is forwarding again: ${pf.url}`);
  });

  it("keeps retrying while no pod runs, logging one line per distinct failure, and stops retrying on stop()", async () => {
    process.env.FAKE_KUBECTL_POD_TIMEOUT_MS = "100";
    try {
      cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-aaa-podaa")] });
      const pf = await makeForward();
      await pf.start();
      cluster.write({ services: [SERVICE.name], pods: [] });
      await until("a few failed attempts", () => cluster.pids().length >= 4);
      expect(logged.filter((l) => /timed out waiting for the condition/.test(l))).toHaveLength(1);
      cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-ddd-poddd")] });
      await until("the forward to be back", () => pf.up);
      expect(await get(pf.url)).toBe("todo-frontend-ddd-poddd");
      await pf.stop();
      const count = cluster.pids().length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(cluster.pids()).toHaveLength(count);
      expect(pf.up).toBe(false);
    } finally {
      delete process.env.FAKE_KUBECTL_POD_TIMEOUT_MS;
    }
  });

  it("refuses a busy local port before starting kubectl, naming the port and the flag", async () => {
    cluster.write({ services: [SERVICE.name], pods: [pod("todo-frontend-aaa-podaa")] });
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const pf = await makeForward(port);
      await expect(pf.start()).rejects.toThrow(
        `Local port ${port} on 127.0.0.1, for the frontend's port-forward, is already in use. ` +
          "Stop what uses it, or choose another port with --frontend-port <port>.",
      );
      expect(cluster.pids()).toEqual([]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
    await expect(checkLocalPort(70000, "--frontend-port", "x")).rejects.toThrow(
      "--frontend-port is 70000: a local port must be an integer from 1 to 65535.",
    );
  });

  it("shows kubectl's own words when the Service does not exist", async () => {
    cluster.write({ services: [], pods: [] });
    const pf = await makeForward();
    await expect(pf.start()).rejects.toThrow(
      'The Service "todo-frontend" does not exist in namespace "todo-dev": is the stack deployed? ' +
        'kubectl said: Error from server (NotFound): services "todo-frontend" not found',
    );
  });

  it("reads a port taken between the check and kubectl from kubectl's stderr (client-go's wording)", () => {
    const input = {
      namespace: "ns",
      serviceName: "todo-frontend",
      localPort: 3000,
      portFlag: "--frontend-port",
      what: "w",
    };
    const stderr = [
      "Unable to listen on port 3000: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:3000: bind: address already in use]",
      "error: unable to listen on any of the requested ports: [{3000 3000}]",
    ];
    expect(forwardFailure(input, stderr, { code: 1, signal: null, stopped: false })).toMatch(
      /^Local port 3000 on 127\.0\.0\.1, for w, is already in use\. Stop what uses it, or choose another port with --frontend-port <port>\. kubectl said: Unable to listen/,
    );
    expect(forwardFailure(input, [], "timeout")).toBe(
      "kubectl port-forward svc/todo-frontend for w did not start forwarding in time.",
    );
  });
});
