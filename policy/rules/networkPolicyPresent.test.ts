import { describe, expect, it } from "vitest";

import { deployment, job, networkPolicy } from "../fixtures";
import { runStackPolicy, type FakeResource } from "../testing";
import { networkPolicyPresent } from "./networkPolicyPresent";

const check = (resources: FakeResource[]) => runStackPolicy(networkPolicyPresent, resources);

describe("network-policy-present", () => {
  it("accepts a namespace with a NetworkPolicy", async () => {
    expect(await check([deployment(), networkPolicy("todo")])).toEqual([]);
  });

  it("flags each namespace that runs pods without one, naming its workloads", async () => {
    const frontend = deployment(({ props }) => (props.metadata!.name = "frontend"));
    const batch = job(({ props }) => (props.metadata!.namespace = "batch"));
    expect(await check([deployment(), frontend, batch, networkPolicy("elsewhere")])).toEqual([
      {
        message:
          'namespace "todo" runs pods (Deployment "backend", Deployment "frontend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
      {
        message: 'namespace "batch" runs pods (Job "backend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
    ]);
  });

  it("matches workloads and policies that both use the provider's default namespace", async () => {
    const unnamespaced = deployment(({ props }) => delete props.metadata!.namespace);
    expect(await check([unnamespaced, networkPolicy()])).toEqual([]);
    expect(await check([unnamespaced])).toEqual([
      {
        message:
          'the provider\'s default namespace runs pods (Deployment "backend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
    ]);
  });

  it("has nothing to say about a stack without workloads", async () => {
    expect(await check([networkPolicy("todo")])).toEqual([]);
  });
});
