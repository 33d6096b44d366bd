import { describe, expect, it } from "vitest";

import { autoscaler, deployment, statefulSet } from "../fixtures";
import { runStackPolicy, UNKNOWN_STRING, urnOf, type FakeResource } from "../testing";
import { hpaOwnsReplicas } from "./hpaOwnsReplicas";

const check = (resources: FakeResource[]) => runStackPolicy(hpaOwnsReplicas, resources);
const unscaled = () => deployment(({ props }) => delete props.spec!.replicas);

// Why a replica count beside an autoscaler is a fight: the Kubernetes documentation, "Migrating Deployments and
// StatefulSets to horizontal autoscaling" (kubernetes/website content/en/docs/tasks/run-application/
// horizontal-pod-autoscale.md), and pulumi/pulumi-kubernetes provider/pkg/await/await.go (patchForce: conflicts are
// forced only with the patchForce annotation or provider setting, on a preview, or for an object without managed
// fields).
describe("hpa-owns-replicas", () => {
  it("accepts an autoscaled Deployment that leaves spec.replicas unset", async () => {
    expect(await check([unscaled(), autoscaler()])).toEqual([]);
  });

  it("accepts spec.replicas on a Deployment that no autoscaler scales", async () => {
    expect(await check([deployment()])).toEqual([]);
  });

  it("flags spec.replicas on the autoscaled Deployment, against the Deployment", async () => {
    const replicated = deployment();
    expect(await check([replicated, autoscaler()])).toEqual([
      {
        message:
          'Deployment "backend" in namespace "todo" sets spec.replicas (2) but HorizontalPodAutoscaler "backend" scales it: leave spec.replicas unset, so Pulumi and the autoscaler do not fight over the replica count',
        urn: urnOf(replicated),
      },
    ]);
  });

  it("flags an autoscaled StatefulSet the same way, and an autoscaling/v1 autoscaler", async () => {
    const v1 = {
      ...autoscaler((props) => (props.spec!.scaleTargetRef.kind = "StatefulSet")),
      type: "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    };
    expect((await check([statefulSet(), v1]))[0]?.message).toMatch(
      /^StatefulSet "backend" in namespace "todo" sets spec.replicas \(2\) but HorizontalPodAutoscaler "backend"/,
    );
  });

  it("passes a replica count unknown during preview, to check it on up", async () => {
    const previewed = deployment(
      ({ props }) => ((props.spec as Record<string, unknown>).replicas = UNKNOWN_STRING),
    );
    expect(await check([previewed, autoscaler()])).toEqual([]);
  });

  it("matches the target by namespace, kind, name and API group", async () => {
    const elsewhere = autoscaler((props) => (props.metadata!.namespace = "other"));
    const otherName = autoscaler((props) => (props.spec!.scaleTargetRef.name = "frontend"));
    const otherKind = autoscaler((props) => (props.spec!.scaleTargetRef.kind = "StatefulSet"));
    const otherGroup = autoscaler(
      (props) => (props.spec!.scaleTargetRef.apiVersion = "argoproj.io/v1alpha1"),
    );
    expect(await check([deployment(), elsewhere, otherName, otherKind, otherGroup])).toEqual([]);
    // A target name unknown during preview never matches a Deployment that Pulumi names itself.
    const unnamed = deployment(({ props }) => delete props.metadata!.name);
    const unknownTarget = autoscaler(
      (props) => delete (props.spec!.scaleTargetRef as { name?: string }).name,
    );
    expect(await check([unnamed, unknownTarget])).toEqual([]);
    const noGroup = autoscaler((props) => delete props.spec!.scaleTargetRef.apiVersion);
    expect(await check([deployment(), noGroup])).toHaveLength(1);
  });
});
