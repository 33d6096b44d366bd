import { describe, expect, it } from "vitest";

import { deployment, pod, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { recommendedLabels } from "./recommendedLabels";

const check = (change?: Change<DeploymentProps>) => violationsOf(recommendedLabels, deployment(change));

// Written out rather than imported from the rule, so a label dropped from the rule fails here.
const required = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];

describe("recommended-labels", () => {
  it("accepts the full label set with a version-free selector", async () => {
    expect(await check()).toEqual([]);
  });

  it.each(required)("requires %s on the Deployment", async (label) => {
    expect(await check(({ props }) => delete props.metadata!.labels![label])).toEqual([
      `metadata.labels["${label}"] is required`,
    ]);
  });

  it.each(required)("requires %s on the pod template", async (label) => {
    expect(await check(({ props }) => delete props.spec!.template.metadata!.labels![label])).toEqual([
      `spec.template.metadata.labels["${label}"] is required`,
    ]);
  });

  it("rejects the version label in the selector", async () => {
    expect(
      await check(({ props }) => (props.spec!.selector.matchLabels!["app.kubernetes.io/version"] = "0.1.0")),
    ).toEqual([
      'spec.selector.matchLabels must not contain "app.kubernetes.io/version" (selectors are immutable)',
    ]);
  });

  it("rejects the version label in a selector expression", async () => {
    expect(
      await check(
        ({ props }) =>
          (props.spec!.selector.matchExpressions = [
            { key: "app.kubernetes.io/version", operator: "In", values: ["0.1.0"] },
          ]),
      ),
    ).toEqual([
      'spec.selector.matchExpressions must not use "app.kubernetes.io/version" (selectors are immutable)',
    ]);
  });

  it("checks a bare Pod's own labels once", async () => {
    const bare = pod(({ props }) => delete props.metadata!.labels!["app.kubernetes.io/part-of"]);
    expect(await violationsOf(recommendedLabels, bare)).toEqual([
      'metadata.labels["app.kubernetes.io/part-of"] is required',
    ]);
  });
});
