/**
 * Reading a minikube profile's runtime, CNI and node address from `minikube profile list -o json --light`,
 * and the arguments `npm run up` creates a profile with.
 */
import { describe, expect, it } from "vitest";

import { findMinikubeProfile, minikubeArgs, readMinikubeProfile } from "../../host/minikube";
import { fails, machine, notInstalled, ok } from "../scripts/stubs";
import { profileList } from "./fixtures";

describe("findMinikubeProfile", () => {
  // Fixture shape: cmd/minikube/cmd/config/profile_list.go printProfilesJSON and
  // pkg/minikube/config/types.go (see test/host/fixtures.ts).
  it("reads the runtime, driver, CNI and control-plane address of the named profile", () => {
    const output = profileList([
      { name: "minikube", runtime: "docker" },
      { name: "work", runtime: "containerd", cni: "calico", ip: "192.168.58.2", driver: "kvm2" },
    ]);
    expect(findMinikubeProfile(output, "work")).toEqual({
      name: "work",
      containerRuntime: "containerd",
      driver: "kvm2",
      cni: "calico",
      nodeIp: "192.168.58.2",
    });
    expect(findMinikubeProfile(output, "minikube")?.containerRuntime).toBe("docker");
  });

  it("does not invent a profile that the list does not name", () => {
    expect(
      findMinikubeProfile(profileList([{ name: "minikube", runtime: "docker" }]), "dev"),
    ).toBeUndefined();
    // With no profile at all minikube prints empty lists (printProfilesJSON, config.IsNotExist).
    expect(findMinikubeProfile('{"invalid":[],"valid":[]}', "minikube")).toBeUndefined();
  });

  it("reads the JSON even after a line minikube printed before it", () => {
    const output = `! minikube 1.40.0 is available\n${profileList([{ name: "minikube", runtime: "cri-o" }])}`;
    expect(findMinikubeProfile(output, "minikube")?.containerRuntime).toBe("cri-o");
  });

  it("treats output that is not the profile JSON as unknown, not as Docker", () => {
    expect(findMinikubeProfile("DOCKER_HOST=tcp://192.168.49.2:2376", "minikube")).toBeUndefined();
    expect(findMinikubeProfile("{not json", "minikube")).toBeUndefined();
    // A profile whose config could not be read has a null Config (config.Profile.Config is a pointer).
    expect(findMinikubeProfile('{"invalid":[{"Name":"m","Config":null}],"valid":[]}', "m")).toBeUndefined();
  });
});

describe("readMinikubeProfile", () => {
  it("asks `minikube profile list -o json --light`, which reads saved config and checks no status", () => {
    const run = machine({
      "minikube profile list -o json --light": ok(profileList([{ name: "dev", runtime: "containerd" }])),
    });
    expect(readMinikubeProfile("dev", run)?.containerRuntime).toBe("containerd");
    expect(run.calls).toEqual(["minikube profile list -o json --light"]);
  });

  it("is undefined when minikube is not installed or fails", () => {
    expect(readMinikubeProfile("dev", () => notInstalled("minikube"))).toBeUndefined();
    expect(readMinikubeProfile("dev", () => fails(80, '{"error":{}}'))).toBeUndefined();
  });
});

describe("minikubeArgs", () => {
  it("creates a profile with the Docker runtime and Calico, which enforces NetworkPolicy", () => {
    // pkg/minikube/cni/cni.go chooseDefault: bridge for the docker runtime, which enforces nothing.
    expect(minikubeArgs("create", "dev")).toEqual([
      "start",
      "-p",
      "dev",
      "--container-runtime=docker",
      "--cni=calico",
    ]);
  });

  it("creates a profile with the runtime the user chose", () => {
    expect(minikubeArgs("create", "dev", { containerRuntime: "containerd" })).toContain(
      "--container-runtime=containerd",
    );
  });

  it("starts an existing profile with what it has: minikube keeps its runtime and CNI", () => {
    expect(minikubeArgs("start", "dev", { containerRuntime: "containerd" })).toEqual(["start", "-p", "dev"]);
    expect(minikubeArgs("unpause", "dev")).toEqual(["unpause", "-p", "dev"]);
  });
});
