import { describe, expect, it } from "vitest";

import { backendContainer, deployment, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { resourcesRequired } from "./resourcesRequired";

const check = (change?: Change<DeploymentProps>) => violationsOf(resourcesRequired, deployment(change));

describe("resources-required", () => {
  it("accepts cpu and memory requests and limits", async () => {
    expect(await check()).toEqual([]);
  });

  it.each([
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
  ] as const)("requires resources.%s.%s", async (kind, resource) => {
    expect(await check(({ container }) => delete container.resources![kind]![resource])).toEqual([
      `container "backend": resources.${kind}.${resource} is required`,
    ]);
  });

  it("requires them on init containers too", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        delete init.resources!.limits;
        pod.initContainers = [init];
      }),
    ).toEqual([
      'init container "migrate": resources.limits.cpu is required',
      'init container "migrate": resources.limits.memory is required',
    ]);
  });

  it("leaves ephemeral containers alone, which cannot declare resources", async () => {
    expect(
      await check(({ pod }) => (pod.ephemeralContainers = [{ name: "debug", image: "busybox:1.36" }])),
    ).toEqual([]);
  });
});
