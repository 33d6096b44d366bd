import { describe, expect, it } from "vitest";

import { backendContainer, cronJob, deployment, type Change, type DeploymentProps } from "../fixtures";
import { violationsOf } from "../testing";
import { podSecurityRestricted } from "./podSecurityRestricted";

const check = (change?: Change<DeploymentProps>) => violationsOf(podSecurityRestricted, deployment(change));

describe("pod-security-restricted", () => {
  it("accepts the restricted backend pod", async () => {
    expect(await check()).toEqual([]);
  });
});

describe("pod-security-restricted: non-root", () => {
  const mustBeNonRoot = [
    'container "backend": securityContext.runAsNonRoot must be true (on the container or at spec.template.spec.securityContext)',
  ];

  it("requires runAsNonRoot on the pod or the container", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.runAsNonRoot;
        delete container.securityContext!.runAsNonRoot;
      }),
    ).toEqual(mustBeNonRoot);
  });

  it("accepts runAsNonRoot set only on every container", async () => {
    expect(await check(({ pod }) => delete pod.securityContext!.runAsNonRoot)).toEqual([]);
  });

  it("rejects a container that turns runAsNonRoot off under a non-root pod", async () => {
    expect(await check(({ container }) => (container.securityContext!.runAsNonRoot = false))).toEqual(
      mustBeNonRoot,
    );
  });

  it("rejects runAsNonRoot: false at pod level", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.runAsNonRoot = false))).toEqual([
      "spec.template.spec.securityContext.runAsNonRoot must not be false",
    ]);
  });

  it("rejects runAsUser 0 on the pod or a container", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.runAsUser = 0))).toEqual([
      "spec.template.spec.securityContext.runAsUser must not be 0 (root)",
    ]);
    expect(await check(({ container }) => (container.securityContext!.runAsUser = 0))).toEqual([
      'container "backend": securityContext.runAsUser must not be 0 (root)',
    ]);
  });

  it("rejects a runAsUser that is not a number, on a container or the pod", async () => {
    expect(
      await check(({ container }) => {
        (container.securityContext as Record<string, unknown>).runAsUser = "10001";
      }),
    ).toEqual(['container "backend": securityContext.runAsUser must be a numeric UID, got "10001"']);
    expect(
      await check(({ pod }) => {
        (pod.securityContext as Record<string, unknown>).runAsUser = "root";
      }),
    ).toEqual(['spec.template.spec.securityContext.runAsUser must be a numeric UID, got "root"']);
  });
});

describe("pod-security-restricted: privileges and capabilities", () => {
  it("requires allowPrivilegeEscalation: false on every container", async () => {
    expect(
      await check(({ container }) => delete container.securityContext!.allowPrivilegeEscalation),
    ).toEqual(['container "backend": securityContext.allowPrivilegeEscalation must be false']);
  });

  it("rejects a privileged container", async () => {
    expect(await check(({ container }) => (container.securityContext!.privileged = true))).toEqual([
      'container "backend": securityContext.privileged must not be true',
    ]);
  });

  it('requires capabilities.drop to include "ALL"', async () => {
    expect(
      await check(({ container }) => (container.securityContext!.capabilities = { drop: ["NET_RAW"] })),
    ).toEqual(['container "backend": securityContext.capabilities.drop must include "ALL"']);
  });

  it("allows adding only NET_BIND_SERVICE", async () => {
    expect(
      await check(({ container }) => (container.securityContext!.capabilities!.add = ["NET_BIND_SERVICE"])),
    ).toEqual([]);
    expect(
      await check(
        ({ container }) => (container.securityContext!.capabilities!.add = ["NET_BIND_SERVICE", "NET_ADMIN"]),
      ),
    ).toEqual([
      'container "backend": securityContext.capabilities.add may only contain "NET_BIND_SERVICE", not "NET_ADMIN"',
    ]);
  });

  it("checks init containers too", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        delete init.securityContext!.allowPrivilegeEscalation;
        pod.initContainers = [init];
      }),
    ).toEqual(['init container "migrate": securityContext.allowPrivilegeEscalation must be false']);
  });
});

describe("pod-security-restricted: seccomp", () => {
  it("requires a RuntimeDefault or Localhost seccomp profile on the pod or every container", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.seccompProfile;
        delete container.securityContext!.seccompProfile;
      }),
    ).toEqual([
      'container "backend": securityContext.seccompProfile.type must be RuntimeDefault or Localhost (on the container or at spec.template.spec.securityContext)',
    ]);
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.seccompProfile;
        container.securityContext!.seccompProfile = { type: "Localhost", localhostProfile: "todo.json" };
      }),
    ).toEqual([]);
  });

  it("rejects an Unconfined seccomp profile on the pod or a container", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.seccompProfile = { type: "Unconfined" }))).toEqual([
      'spec.template.spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "Unconfined"',
    ]);
    expect(
      await check(({ container }) => (container.securityContext!.seccompProfile = { type: "Unconfined" })),
    ).toEqual([
      'container "backend": securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "Unconfined"',
    ]);
  });
});

describe("pod-security-restricted: the host", () => {
  it.each(["hostNetwork", "hostPID", "hostIPC"] as const)("rejects %s", async (field) => {
    expect(await check(({ pod }) => (pod[field] = true))).toEqual([
      `spec.template.spec.${field} must not be true`,
    ]);
  });

  it("rejects a hostPort", async () => {
    expect(await check(({ container }) => (container.ports![0].hostPort = 7860))).toEqual([
      'container "backend": ports[0].hostPort must not be set (got 7860)',
    ]);
  });

  it("names the pod spec by its real path in a CronJob", async () => {
    expect(
      await violationsOf(
        podSecurityRestricted,
        cronJob(({ pod }) => (pod.hostNetwork = true)),
      ),
    ).toEqual(["spec.jobTemplate.spec.template.spec.hostNetwork must not be true"]);
  });
});

describe("pod-security-restricted: volumes", () => {
  it("rejects a hostPath volume", async () => {
    expect(
      await check(({ pod }) => pod.volumes!.push({ name: "docker", hostPath: { path: "/var/run" } })),
    ).toEqual([
      'volume "docker": spec.template.spec.volumes[1].hostPath is not allowed (it exposes the node\'s filesystem)',
    ]);
  });

  it("rejects a volume type outside the restricted list", async () => {
    expect(
      await check(({ pod }) => pod.volumes!.push({ name: "shared", nfs: { server: "nas", path: "/x" } })),
    ).toEqual([
      'volume "shared": spec.template.spec.volumes[1].nfs is not an allowed volume type (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)',
    ]);
  });

  it("names an unnamed volume by its index", async () => {
    expect(
      await check(({ pod }) => {
        pod.volumes!.push({ hostPath: { path: "/" } } as unknown as { name: string });
      }),
    ).toEqual([
      "volume #1: spec.template.spec.volumes[1].hostPath is not allowed (it exposes the node's filesystem)",
    ]);
  });

  it("accepts every restricted volume type", async () => {
    expect(
      await check(({ pod }) =>
        pod.volumes!.push(
          { name: "config", configMap: { name: "todo" } },
          { name: "secret", secret: { secretName: "todo" } },
          { name: "data", persistentVolumeClaim: { claimName: "todo" } },
          { name: "info", downwardAPI: { items: [] } },
          { name: "token", projected: { sources: [] } },
        ),
      ),
    ).toEqual([]);
  });
});
