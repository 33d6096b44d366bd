import { describe, expect, it } from "vitest";

import { backendContainer, deployment, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { uidAbove10000 } from "./uidAbove10000";

const check = (change?: Change<DeploymentProps>) => violationsOf(uidAbove10000, deployment(change));

describe("uid-above-10000", () => {
  it("accepts UID and GID 10001 set at pod level", async () => {
    expect(await check()).toEqual([]);
  });

  it("accepts UID and GID set on every container instead of the pod", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.runAsUser;
        delete pod.securityContext!.runAsGroup;
        container.securityContext!.runAsUser = 10001;
        container.securityContext!.runAsGroup = 10001;
      }),
    ).toEqual([]);
  });

  it.each(["runAsUser", "runAsGroup"] as const)("requires %s", async (field) => {
    expect(await check(({ pod }) => delete pod.securityContext![field])).toEqual([
      `container "backend": securityContext.${field} must be set to a number above 10000 (on the container or at spec.template.spec.securityContext)`,
    ]);
  });

  it("reports a low pod-level UID once, where it is set, however many containers inherit it", async () => {
    expect(
      await check(({ pod }) => {
        pod.securityContext!.runAsUser = 1000;
        pod.containers.push({ ...backendContainer(), name: "sidecar" });
      }),
    ).toEqual(["spec.template.spec.securityContext.runAsUser must be above 10000, got 1000"]);
  });

  it("rejects a container that overrides the GID with 10000", async () => {
    expect(await check(({ container }) => (container.securityContext!.runAsGroup = 10000))).toEqual([
      'container "backend": securityContext.runAsGroup must be above 10000, got 10000',
    ]);
  });

  it("rejects a UID that is not a number, on the pod or a container", async () => {
    expect(
      await check(({ pod }) => {
        (pod.securityContext as Record<string, unknown>).runAsUser = "10001";
      }),
    ).toEqual(['spec.template.spec.securityContext.runAsUser must be a number above 10000, got "10001"']);
    expect(
      await check(({ container }) => {
        (container.securityContext as Record<string, unknown>).runAsGroup = "10001";
      }),
    ).toEqual(['container "backend": securityContext.runAsGroup must be a number above 10000, got "10001"']);
  });
});
