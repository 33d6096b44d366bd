import { describe, expect, it } from "vitest";

import { deployment } from "../fixtures";
import { violationsOf } from "../testing";
import { imagePullPolicyIfNotPresent } from "./imagePullPolicyIfNotPresent";

const check = (image: string, policy?: string) =>
  violationsOf(
    imagePullPolicyIfNotPresent,
    deployment(({ container }) => {
      container.image = image;
      container.imagePullPolicy = policy;
    }),
  );

describe("image-pull-policy-if-not-present", () => {
  it("accepts IfNotPresent, or leaving it to the Kubernetes default, for a pinned image", async () => {
    expect(await check("todo-backend:3f9c2a1b", "IfNotPresent")).toEqual([]);
    expect(await check("todo-backend:3f9c2a1b")).toEqual([]);
  });

  it("flags Always on a pinned image", async () => {
    expect(await check("todo-backend:3f9c2a1b", "Always")).toEqual([
      'container "backend": imagePullPolicy should be IfNotPresent for the pinned image, got "Always"',
    ]);
  });

  it("leaves unpinned images to no-latest-image", async () => {
    expect(await check("todo-backend:latest", "Always")).toEqual([]);
  });
});
