import { describe, expect, it } from "vitest";

import { cronJob, deployment, httpProbe, job, pod, type Change, type DeploymentProps } from "../fixtures";
import { runResourcePolicy, violationsOf } from "../testing";
import type { Container } from "../workload";
import { probesRequired } from "./probesRequired";

const check = (change?: Change<DeploymentProps>) => violationsOf(probesRequired, deployment(change));

describe("probes-required", () => {
  it("accepts startup, readiness and liveness probes that differ", async () => {
    expect(await check()).toEqual([]);
  });

  it.each(["startupProbe", "readinessProbe", "livenessProbe"] as const)("requires a %s", async (probe) => {
    expect(await check(({ container }) => delete container[probe])).toEqual([
      `container "backend": ${probe} is required`,
    ]);
  });

  it("rejects identical readiness and liveness probes", async () => {
    expect(
      await check(({ container }) => (container.readinessProbe = structuredClone(container.livenessProbe))),
    ).toEqual([
      'container "backend": readinessProbe and livenessProbe must differ (use a different path or thresholds: readiness may depend on the database, liveness must not)',
    ]);
  });

  it("accepts readiness and liveness on the same path when their thresholds differ", async () => {
    expect(
      await check(({ container }) => {
        container.readinessProbe = httpProbe("/health", { periodSeconds: 5, failureThreshold: 2 });
      }),
    ).toEqual([]);
  });

  it("does not apply to a Job or a CronJob, whose pods are meant to finish", async () => {
    for (const build of [job, cronJob]) {
      const resource = build(({ container }) => delete container.livenessProbe);
      const outcome = await runResourcePolicy(probesRequired, resource);
      expect(outcome).toMatchObject({ violations: [], notApplicable: expect.any(String) as unknown });
    }
  });

  it("applies to a long-running Pod but not to one that runs to completion", async () => {
    expect(
      await violationsOf(
        probesRequired,
        pod(({ container }) => delete container.startupProbe),
      ),
    ).toEqual(['container "backend": startupProbe is required']);
    const outcome = await runResourcePolicy(
      probesRequired,
      pod(({ pod, container }) => {
        delete container.startupProbe;
        pod.restartPolicy = "Never";
      }),
    );
    expect(outcome.notApplicable).toBeDefined();
  });

  it("ignores ordinary init containers but requires probes on a native sidecar", async () => {
    const migrate: Container = { name: "migrate", image: "todo-backend:3f9c2a1b" };
    expect(await check(({ pod }) => (pod.initContainers = [migrate]))).toEqual([]);
    const sidecar: Container = { ...migrate, name: "proxy", restartPolicy: "Always" };
    expect(await check(({ pod }) => (pod.initContainers = [sidecar]))).toEqual([
      'init container "proxy": startupProbe is required',
      'init container "proxy": readinessProbe is required',
      'init container "proxy": livenessProbe is required',
    ]);
  });

  it("ignores ephemeral containers, which cannot have probes", async () => {
    expect(
      await check(({ pod }) => (pod.ephemeralContainers = [{ name: "debug", image: "busybox:1.36" }])),
    ).toEqual([]);
  });
});
