import { describe, expect, it } from "vitest";

import { backendContainer, deployment, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { readOnlyRootFilesystem } from "./readOnlyRootFilesystem";

const check = (change?: Change<DeploymentProps>) => violationsOf(readOnlyRootFilesystem, deployment(change));

describe("read-only-root-filesystem", () => {
  it("accepts a read-only root filesystem", async () => {
    expect(await check()).toEqual([]);
  });

  it("rejects a container that leaves it unset", async () => {
    expect(await check(({ container }) => delete container.securityContext!.readOnlyRootFilesystem)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });

  it("rejects an init container with a writable root filesystem", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        init.securityContext!.readOnlyRootFilesystem = false;
        pod.initContainers = [init];
      }),
    ).toEqual(['init container "migrate": securityContext.readOnlyRootFilesystem must be true']);
  });

  it("rejects a container without any securityContext", async () => {
    expect(await check(({ container }) => delete container.securityContext)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });
});
