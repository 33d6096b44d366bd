import { describe, expect, it } from "vitest";

import { deployment, statefulSet, type Change, type DeploymentProps } from "../fixtures";
import { runResourcePolicy, violationsOf } from "../testing";
import { rollingUpdateZeroUnavailable } from "./rollingUpdateZeroUnavailable";

const check = (change?: Change<DeploymentProps>) =>
  violationsOf(rollingUpdateZeroUnavailable, deployment(change));

describe("rolling-update-zero-unavailable", () => {
  it("accepts RollingUpdate with maxSurge 1 and maxUnavailable 0", async () => {
    expect(await check()).toEqual([]);
  });

  it('accepts maxUnavailable written as "0%"', async () => {
    expect(await check(({ props }) => (props.spec!.strategy!.rollingUpdate!.maxUnavailable = "0%"))).toEqual(
      [],
    );
  });

  it("rejects the Recreate strategy", async () => {
    expect(await check(({ props }) => (props.spec!.strategy = { type: "Recreate" }))).toEqual([
      'spec.strategy.type must be RollingUpdate, got "Recreate"',
    ]);
  });

  it("rejects relying on the default maxUnavailable", async () => {
    expect(await check(({ props }) => delete props.spec!.strategy)).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable must be set to 0 (it is unset or unknown; the default is 25%)",
    ]);
  });

  it("rejects a non-zero maxUnavailable", async () => {
    expect(await check(({ props }) => (props.spec!.strategy!.rollingUpdate!.maxUnavailable = "25%"))).toEqual(
      ['spec.strategy.rollingUpdate.maxUnavailable must be 0, got "25%"'],
    );
  });

  it("rejects maxSurge 0 alongside maxUnavailable 0, which could never roll out", async () => {
    expect(await check(({ props }) => (props.spec!.strategy!.rollingUpdate!.maxSurge = 0))).toEqual([
      "spec.strategy.rollingUpdate.maxSurge must be above 0 when maxUnavailable is 0, or the rollout cannot start",
    ]);
  });

  it("applies only to Deployments", async () => {
    const outcome = await runResourcePolicy(rollingUpdateZeroUnavailable, statefulSet());
    expect(outcome.notApplicable).toBeDefined();
  });
});
