import { describe, expect, it } from "vitest";

import { backendContainer, DEPLOYMENT, SERVICE, WORKLOADS } from "./fixtures";
import { containersOf, podSpecOf, workloadOf, type PodSpec } from "./workload";

describe("podSpecOf", () => {
  it.each(Object.entries(WORKLOADS))("finds the pod spec of a %s", (_kind, build) => {
    expect(podSpecOf(build())?.containers[0]).toMatchObject({ name: "backend" });
  });

  it("returns undefined for a Service and for a Deployment without a template", () => {
    expect(podSpecOf({ type: SERVICE, props: { spec: {} } })).toBeUndefined();
    expect(podSpecOf({ type: DEPLOYMENT, props: { spec: { template: "oops" } } })).toBeUndefined();
  });
});

describe("workloadOf", () => {
  it.each([
    ["Deployment", "spec.template.spec", true],
    ["StatefulSet", "spec.template.spec", true],
    ["DaemonSet", "spec.template.spec", true],
    ["Job", "spec.template.spec", false],
    ["CronJob", "spec.jobTemplate.spec.template.spec", false],
    ["Pod", "spec", true],
  ] as const)("names a %s's pod spec %s (long-running: %s)", (kind, podSpecPath, longRunning) => {
    expect(workloadOf(WORKLOADS[kind]())).toMatchObject({ kind, podSpecPath, longRunning });
  });

  it("counts a Pod that runs to completion as not long-running", () => {
    const pod = WORKLOADS.Pod(({ pod }) => (pod.restartPolicy = "OnFailure"));
    expect(workloadOf(pod)?.longRunning).toBe(false);
  });
});

describe("containersOf", () => {
  it("lists app, init and ephemeral containers in that order, by name or else by index", () => {
    const spec: PodSpec = {
      containers: [backendContainer(), { ...backendContainer(), name: "" }],
      initContainers: [
        { name: "migrate", image: "todo-backend:3f9c2a1b" },
        { name: "proxy", image: "envoy:1.30", restartPolicy: "Always" },
      ],
      ephemeralContainers: [{ name: undefined as unknown as string, image: "busybox:1.36" }],
    };
    expect(containersOf(spec).map(({ label, group, sidecar }) => [label, group, sidecar])).toEqual([
      ['container "backend"', "containers", false],
      ["container #1", "containers", false],
      ['init container "migrate"', "initContainers", false],
      ['init container "proxy"', "initContainers", true],
      ["ephemeral container #0", "ephemeralContainers", false],
    ]);
  });

  it("skips malformed entries instead of crashing", () => {
    const spec = { containers: [null, "oops", backendContainer()] } as unknown as PodSpec;
    expect(containersOf(spec).map((ref) => ref.label)).toEqual(['container "backend"']);
  });
});
