import { describe, expect, it } from "vitest";

import { deployment, pod, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { noServiceAccountToken } from "./noServiceAccountToken";

const check = (change?: Change<DeploymentProps>) => violationsOf(noServiceAccountToken, deployment(change));

describe("no-service-account-token", () => {
  it("accepts automountServiceAccountToken: false", async () => {
    expect(await check()).toEqual([]);
  });

  it("rejects a pod spec that leaves it unset or true", async () => {
    const expected = ["spec.template.spec.automountServiceAccountToken must be false"];
    expect(await check(({ pod }) => delete pod.automountServiceAccountToken)).toEqual(expected);
    expect(await check(({ pod }) => (pod.automountServiceAccountToken = true))).toEqual(expected);
  });

  it("names a bare Pod's own spec", async () => {
    expect(
      await violationsOf(
        noServiceAccountToken,
        pod(({ pod }) => delete pod.automountServiceAccountToken),
      ),
    ).toEqual(["spec.automountServiceAccountToken must be false"]);
  });
});
