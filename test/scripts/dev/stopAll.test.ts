/**
 * The Ctrl-C path of the cluster side: the loop calls children.stopAll() alone, with forwards and log streams
 * running and a forward in its retry backoff, and nothing the fake kubectl started may be left, nor restarted.
 */
import { afterEach, expect, it } from "vitest";

import { createChildren } from "../../../scripts/lib/dev/children";
import { createLogStreams } from "../../../scripts/lib/dev/logs";
import { createPortForward } from "../../../scripts/lib/dev/portForward";
import type { ServicePods } from "../../../scripts/lib/dev/types";
import { type FakeCluster, fakeCluster, freePort, get, isRunning, until } from "./fakeCluster";

const services: ServicePods[] = (["backend", "frontend"] as const).map((service, i) => ({
  service,
  name: `todo-${service}`,
  container: service,
  selector: { "app.kubernetes.io/component": service },
  port: 7860 + i,
}));

let cluster: FakeCluster | undefined;
afterEach(() => cluster?.remove());

it("stopAll() ends every forward and log stream, and a forward waiting to retry does not start again", async () => {
  cluster = fakeCluster();
  const pods = services.map((s) => ({
    name: `todo-${s.service}-abc-${s.service.slice(0, 5)}`,
    service: s.name,
    labels: s.selector,
    containers: [{ name: s.container }],
    logs: [`${s.service} up`],
  }));
  cluster.write({ services: services.map((s) => s.name), pods });
  const children = createChildren({ graceMs: 500 });
  const out: string[] = [];
  const streams = createLogStreams({ access: cluster.access, children, services, write: (l) => out.push(l) });
  const [backendPf, frontendPf] = await Promise.all(
    services.map(async (service, i) =>
      createPortForward({
        access: cluster!.access,
        children,
        service,
        localPort: await freePort(),
        portFlag: `--${service.service}-port`,
        log: (l) => out.push(l),
        // A long first delay: the backend's retry is still pending when stopAll() runs.
        backoff: { initialMs: 300 + i, maxMs: 1000 },
      }),
    ),
  );
  await Promise.all([backendPf.start(), frontendPf.start(), streams.refresh()]);
  expect(await get(frontendPf.url)).toBe("todo-frontend-abc-front");
  await until("both log streams", () => out.length === 2);

  // The backend's pod goes away: its forward exits and waits out its backoff before retrying.
  cluster.write({ services: services.map((s) => s.name), pods: [pods[1]] });
  await until("the backend forward to be lost", () => !backendPf.up);

  await children.stopAll();
  const pids = cluster.pids();
  expect(pids.length).toBeGreaterThanOrEqual(4);
  expect(pids.filter(isRunning)).toEqual([]);
  // Past the pending retry: nothing new was started.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(cluster.pids()).toEqual(pids);
  expect(await get(frontendPf.url)).toMatch(/^error: ECONNREFUSED/);
});
