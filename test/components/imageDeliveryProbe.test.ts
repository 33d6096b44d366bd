/**
 * The machine-probing phase's delivery decisions (config/probe.ts), with stubbed commands: which daemon
 * builds, what is loaded where, and which commands are asked, for each thing minikube and Docker can report.
 */
import { describe, expect, it } from "vitest";

import type { BuildConfig } from "../../config/build";
import type { ClusterConfig } from "../../config/cluster";
import { probeMachine } from "../../config/probe";
import { ConfigProblems } from "../../config/problems";
import type { Machine } from "../../host/machine";
import type { CommandRunner } from "../../host/process";
import { CONTAINERD_STORE, profileList } from "../host/fixtures";
import { fails, machine, ok } from "../scripts/stubs";
import { MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";

const CLUSTER: ClusterConfig = {
  kubeContext: "minikube",
  minikubeProfile: "",
  namespace: "todo-dev",
  replicas: 1,
  rolloutTimeout: 600,
  logLevel: "info",
  frontendNodePort: 30080,
  frontendUrl: "",
};
const BUILD: BuildConfig = { choice: "auto", hasRegistryPassword: false, dockerHost: "", dockerCertPath: "" };

function on(run: CommandRunner): Machine {
  return {
    projectDir: PROJECT_DIR,
    env: {},
    homedir: "/home/dev",
    run,
    exists: () => true,
    readKubeconfig: () => undefined,
  };
}

const probe = (run: CommandRunner, build: Partial<BuildConfig> = {}, cluster: Partial<ClusterConfig> = {}) =>
  probeMachine({ ...CLUSTER, ...cluster }, { ...BUILD, ...build }, on(run), new ConfigProblems());

describe("probeMachine on minikube", () => {
  it("loads into a containerd profile and opens NodePorts on its node address", () => {
    const run = machine({
      "minikube profile list": ok(
        profileList([{ name: "minikube", runtime: "containerd", ip: "192.168.58.2" }]),
      ),
      "docker info": CONTAINERD_STORE,
    });
    const facts = probe(run);
    expect(facts.build).toMatchObject({
      target: "minikube",
      docker: undefined,
      load: {
        into: "minikube",
        profile: "minikube",
        containerRuntime: "containerd",
        imageStore: "containerd",
      },
    });
    expect(facts.nodeHost).toBe("192.168.58.2");
    expect(facts.frontendUrl).toBe("http://192.168.58.2:30080");
  });

  it("reads the configured profile, not the context's name", () => {
    const run = machine({
      "minikube profile list": ok(profileList([{ name: "team", runtime: "containerd" }])),
      "docker info": CONTAINERD_STORE,
    });
    expect(probe(run, {}, { minikubeProfile: "team" }).build.load).toMatchObject({ profile: "team" });
  });

  it("builds in a Docker profile's daemon, as before", () => {
    const run = machine({
      "minikube profile list": ok(profileList([{ name: "minikube", runtime: "docker" }])),
      "minikube -p minikube docker-env": ok(MINIKUBE_DOCKER_ENV),
    });
    const facts = probe(run);
    expect(facts.build.load).toBeUndefined();
    expect(facts.build.docker?.host).toBe("tcp://192.168.49.2:2376");
    expect(facts.nodeHost).toBe("192.168.49.2");
  });

  it("asks minikube nothing when dockerHost names minikube's daemon", () => {
    const run = machine({});
    const facts = probe(run, { dockerHost: "tcp://192.168.49.2:2376" });
    expect(run.calls).toEqual([]);
    expect(facts.build.load).toBeUndefined();
  });

  it("lets docker-env explain a profile whose runtime could not be read", () => {
    // cmd/minikube/cmd/docker-env.go dockerEnvSupported: the refusal for CRI-O.
    const run = machine({
      "minikube profile list": fails(1, ""),
      "minikube -p minikube docker-env": fails(
        14,
        "",
        "X Exiting due to MK_USAGE: the docker-env command only supports the docker and containerd runtimes",
      ),
    });
    expect(() => probe(run)).toThrow(
      /does not run Docker as its container runtime.*minikube profile list -o json --light/s,
    );
  });
});

describe("probeMachine on kind", () => {
  it("asks the image store, and loads into the context's cluster", () => {
    const run = machine({ "docker info": CONTAINERD_STORE });
    const facts = probe(run, {}, { kubeContext: "kind-dev" });
    expect(run.calls).toEqual(["docker info --format {{json .DriverStatus}}"]);
    expect(facts.build).toMatchObject({
      target: "docker",
      load: { into: "kind", cluster: "dev", imageStore: "containerd" },
    });
    expect(facts.nodeHost).toBe("localhost");
  });

  it("refuses a cluster name kind would refuse, before asking anything", () => {
    const run = machine({});
    expect(() => probe(run, {}, { kubeContext: "kind-Dev" })).toThrow(
      /todo-app:kubeContext.*"kind-Dev".*lower-case letters, digits, '\.' and '-'/s,
    );
    expect(run.calls).toEqual([]);
  });
});
