import { describe, expect, it } from "vitest";

import { autoscaler, budget, daemonSet, deployment, selectorOf, statefulSet } from "../fixtures";
import { runStackPolicy, urnOf, type FakeResource } from "../testing";
import { podDisruptionBudget } from "./podDisruptionBudget";

const check = (resources: FakeResource[]) => runStackPolicy(podDisruptionBudget, resources);

describe("pod-disruption-budget", () => {
  it("accepts a replicated Deployment covered by a matching budget", async () => {
    expect(await check([deployment(), budget("todo", { matchLabels: selectorOf("backend") })])).toEqual([]);
  });

  it("flags a replicated Deployment without a budget, against the Deployment", async () => {
    const unprotected = deployment();
    expect(await check([unprotected])).toEqual([
      {
        message:
          'Deployment "backend" runs 2 replicas but no policy/v1 PodDisruptionBudget in namespace "todo" selects its pod labels (spec.template.metadata.labels)',
        urn: urnOf(unprotected),
      },
    ]);
  });

  it("flags a budget in another namespace or with a selector that misses the pods", async () => {
    expect(await check([deployment(), budget("other", { matchLabels: selectorOf("backend") })])).toHaveLength(
      1,
    );
    expect(await check([deployment(), budget("todo", { matchLabels: selectorOf("frontend") })])).toHaveLength(
      1,
    );
  });

  it("understands selector expressions and the empty selector", async () => {
    const expression = {
      matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["backend"] }],
    };
    expect(await check([deployment(), budget("todo", expression)])).toEqual([]);
    expect(await check([deployment(), budget("todo", {})])).toEqual([]);
    const absent = { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "DoesNotExist" }] };
    expect(await check([deployment(), budget("todo", absent)])).toHaveLength(1);
  });

  it("ignores single-replica workloads and DaemonSets", async () => {
    const single = deployment(({ props }) => (props.spec!.replicas = 1));
    const unset = deployment(({ props }) => delete props.spec!.replicas);
    expect(await check([single, unset, daemonSet()])).toEqual([]);
  });

  it("counts an autoscaled Deployment's replicas as its autoscaler's maxReplicas", async () => {
    const autoscaled = deployment(({ props }) => delete props.spec!.replicas);
    expect(await check([autoscaled, autoscaler()])).toEqual([
      {
        message:
          'Deployment "backend" may run up to 5 replicas (HorizontalPodAutoscaler "backend") but no policy/v1 PodDisruptionBudget in namespace "todo" selects its pod labels (spec.template.metadata.labels)',
        urn: urnOf(autoscaled),
      },
    ]);
    const covered = budget("todo", { matchLabels: selectorOf("backend") });
    expect(await check([autoscaled, autoscaler(), covered])).toEqual([]);
    const single = autoscaler((props) => {
      props.spec!.minReplicas = 1;
      props.spec!.maxReplicas = 1;
    });
    expect(await check([autoscaled, single])).toEqual([]);
  });

  it("flags a replicated StatefulSet too", async () => {
    expect((await check([statefulSet()]))[0]?.message).toMatch(/^StatefulSet "backend" runs 2 replicas/);
  });
});
