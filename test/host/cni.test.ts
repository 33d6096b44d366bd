/** Whether a cluster's network plugin enforces NetworkPolicy, read from its DaemonSets. */
import { describe, expect, it } from "vitest";

import { policyEnforcement } from "../../host/cni";
import {
  CALICO,
  FLANNEL,
  KINDNET_CURRENT,
  KINDNET_OLD,
  KINDNET_V024,
  KUBE_PROXY,
  daemonSet,
  daemonSetList,
} from "./fixtures";

describe("policyEnforcement", () => {
  it("finds Calico, which `npm run up` gives a new minikube profile", () => {
    expect(policyEnforcement(daemonSetList(KUBE_PROXY, CALICO))).toEqual({
      enforced: true,
      plugin: "Calico",
    });
  });

  it("finds Cilium and the Tigera operator's Calico in calico-system", () => {
    const cilium = daemonSet("kube-system", "cilium", "quay.io/cilium/cilium:v1.20.1");
    expect(policyEnforcement(daemonSetList(cilium))).toMatchObject({ enforced: true, plugin: "Cilium" });
    const operator = daemonSet("calico-system", "calico-node", "docker.io/calico/node:v3.30.0");
    expect(policyEnforcement(daemonSetList(operator))).toMatchObject({ enforced: true });
  });

  it("reports minikube's default for the Docker runtime (bridge: no DaemonSet at all) as not enforced", () => {
    // pkg/minikube/cni/cni.go chooseDefault: Bridge for the docker runtime on Kubernetes 1.24+.
    expect(policyEnforcement(daemonSetList(KUBE_PROXY))).toMatchObject({
      enforced: false,
      why: expect.stringContaining("bridge"),
    });
  });

  it("credits kindnetd from v20240813 (kind v0.24.0, which embeds kube-network-policies)", () => {
    expect(policyEnforcement(daemonSetList(KINDNET_V024))).toMatchObject({ enforced: true });
    expect(policyEnforcement(daemonSetList(KINDNET_CURRENT))).toMatchObject({ enforced: true });
  });

  it("does not credit an older kindnetd, and says which image it found", () => {
    expect(policyEnforcement(daemonSetList(KINDNET_OLD))).toEqual({
      enforced: false,
      plugin: "kindnet (docker.io/kindest/kindnetd:v20240513-cd2ac642)",
      why: "kindnetd enforces NetworkPolicy only from v20240813 (kind v0.24.0)",
    });
  });

  it("reports Flannel as not enforcing", () => {
    expect(policyEnforcement(daemonSetList(KUBE_PROXY, FLANNEL))).toMatchObject({
      enforced: false,
      plugin: "Flannel",
    });
  });

  it("is undefined for output that is not a DaemonSet list", () => {
    expect(policyEnforcement("error: the server doesn't have a resource type")).toBeUndefined();
    expect(policyEnforcement('{"kind":"Status"}')).toBeUndefined();
  });
});
