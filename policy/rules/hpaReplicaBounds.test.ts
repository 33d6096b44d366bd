import { describe, expect, it } from "vitest";

import { autoscaler, type AutoscalerProps } from "../fixtures";
import { violationsOf } from "../testing";
import { hpaReplicaBounds } from "./hpaReplicaBounds";

const withSpec = (change: (spec: NonNullable<AutoscalerProps["spec"]>) => void) =>
  violationsOf(
    hpaReplicaBounds,
    autoscaler((props) => change(props.spec!)),
  );

// The bounds are the API server's: kubernetes/kubernetes pkg/apis/autoscaling/validation/validation.go
// (validateHorizontalPodAutoscalerSpec: minReplicas, when set, and maxReplicas "must be greater than 0", maxReplicas
// "must be greater than or equal to `minReplicas`").
describe("hpa-replica-bounds", () => {
  it("accepts bounds of at least 1 with max at least min, and an unset minReplicas", async () => {
    expect(await violationsOf(hpaReplicaBounds, autoscaler())).toEqual([]);
    expect(await withSpec((spec) => (spec.maxReplicas = spec.minReplicas!))).toEqual([]);
    expect(await withSpec((spec) => delete spec.minReplicas)).toEqual([]);
  });

  it("rejects a minReplicas below 1", async () => {
    expect(await withSpec((spec) => (spec.minReplicas = 0))).toEqual([
      "spec.minReplicas must be a whole number of at least 1, got 0",
    ]);
  });

  it("rejects a missing or non-positive maxReplicas", async () => {
    expect(await withSpec((spec) => delete (spec as { maxReplicas?: number }).maxReplicas)).toEqual([
      "spec.maxReplicas is missing (or unknown during preview)",
    ]);
    expect(await withSpec((spec) => (spec.maxReplicas = 1.5))).toEqual([
      "spec.maxReplicas must be a whole number of at least 1, got 1.5",
    ]);
  });

  it("rejects a maxReplicas below minReplicas", async () => {
    expect(await withSpec((spec) => (spec.maxReplicas = 1))).toEqual([
      "spec.maxReplicas (1) must be at least spec.minReplicas (2)",
    ]);
  });
});
