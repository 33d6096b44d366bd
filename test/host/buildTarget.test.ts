/** Build-target detection (as Skaffold does it) and minikube's Docker endpoint, with a stubbed command runner. */
import { describe, expect, it } from "vitest";

import { detectBuildTarget } from "../../host/buildTarget";
import { minikubeDockerEndpoint, minikubeHome, nodeHostOf, parseDockerEnv } from "../../host/minikube";
import { MINIKUBE_DOCKER_ENV } from "../support/program";

const MINIKUBE_DIR = "/home/dev/.minikube";

describe("detectBuildTarget", () => {
  it("builds into minikube for the minikube context", () => {
    expect(detectBuildTarget("minikube", undefined, MINIKUBE_DIR).target).toBe("minikube");
  });

  it("recognises another minikube profile by its cluster certificate under ~/.minikube", () => {
    const kubeconfig = {
      contexts: [{ name: "work", context: { cluster: "work" } }],
      clusters: [{ name: "work", cluster: { "certificate-authority": "/home/dev/.minikube/ca.crt" } }],
    };
    const detection = detectBuildTarget("work", kubeconfig, MINIKUBE_DIR);
    expect(detection.target).toBe("minikube");
    expect(detection.reason).toContain("/home/dev/.minikube");
  });

  it("does not mistake a certificate in a look-alike folder for minikube", () => {
    const kubeconfig = {
      contexts: [{ name: "prod", context: { cluster: "prod" } }],
      clusters: [{ name: "prod", cluster: { "certificate-authority": "/home/dev/.minikube-old/ca.crt" } }],
    };
    expect(detectBuildTarget("prod", kubeconfig, MINIKUBE_DIR).target).toBe("registry");
  });

  it("uses the local daemon for kind (with the cluster name to load into) and Docker Desktop", () => {
    expect(detectBuildTarget("kind-dev", undefined, MINIKUBE_DIR)).toMatchObject({
      target: "docker",
      kindCluster: "dev",
    });
    expect(detectBuildTarget("docker-desktop", undefined, MINIKUBE_DIR).target).toBe("docker");
    expect(detectBuildTarget("docker-desktop", undefined, MINIKUBE_DIR).kindCluster).toBeUndefined();
  });

  it("treats anything else as remote, needing a registry", () => {
    expect(detectBuildTarget("arn:aws:eks:eu-west-1:1:cluster/prod", undefined, MINIKUBE_DIR).target).toBe(
      "registry",
    );
  });
});

describe("minikubeHome", () => {
  it("honours MINIKUBE_HOME pointing at the folder or at its parent", () => {
    expect(minikubeHome({}, "/home/dev")).toBe("/home/dev/.minikube");
    expect(minikubeHome({ MINIKUBE_HOME: "/data" }, "/home/dev")).toBe("/data/.minikube");
    expect(minikubeHome({ MINIKUBE_HOME: "/data/.minikube" }, "/home/dev")).toBe("/data/.minikube");
  });
});

describe("parseDockerEnv", () => {
  // minikube's `--shell none` writes each variable as `KEY=value\n` with no prefix, quotes or usage hint
  // (kubernetes/minikube pkg/minikube/shell/shell.go, shellConfigMap["none"]: prefix "", delimiter "=",
  // suffix "\n"); the fixture below is that shape.
  it("reads host and cert path from `--shell none` output", () => {
    expect(parseDockerEnv(MINIKUBE_DOCKER_ENV)).toEqual({
      host: "tcp://192.168.49.2:2376",
      certPath: "/home/dev/.minikube/certs",
    });
  });

  it("also reads bash-style export lines, and ignores the cert path without TLS verification", () => {
    expect(
      parseDockerEnv('export DOCKER_HOST="tcp://127.0.0.1:32771"\nexport DOCKER_CERT_PATH="/c"'),
    ).toEqual({
      host: "tcp://127.0.0.1:32771",
    });
  });

  it("returns undefined without a DOCKER_HOST", () => {
    expect(parseDockerEnv("MINIKUBE_ACTIVE_DOCKERD=minikube")).toBeUndefined();
  });
});

describe("minikubeDockerEndpoint", () => {
  it("asks the given profile", () => {
    const calls: string[] = [];
    const endpoint = minikubeDockerEndpoint("dev", (cmd, args) => {
      calls.push([cmd, ...args].join(" "));
      return { status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" };
    });
    expect(calls).toEqual(["minikube -p dev docker-env --shell none"]);
    expect(endpoint.host).toBe("tcp://192.168.49.2:2376");
  });

  it("explains a containerd profile", () => {
    expect(() =>
      minikubeDockerEndpoint("dev", () => ({
        status: 14,
        stdout: "",
        stderr:
          'X Exiting due to MK_USAGE: The docker-env command is only compatible with the "docker" runtime, but this cluster was configured to use the "containerd" runtime. only supports the docker container runtime',
      })),
    ).toThrow(/--container-runtime=docker/);
  });

  it("refuses output without DOCKER_HOST", () => {
    expect(() => minikubeDockerEndpoint("dev", () => ({ status: 0, stdout: "", stderr: "" }))).toThrow(
      /printed no DOCKER_HOST; set todo-app:dockerHost/,
    );
  });
});

describe("nodeHostOf", () => {
  it("takes minikube's address from its tcp Docker host, else localhost", () => {
    expect(nodeHostOf({ host: "tcp://192.168.49.2:2376" })).toBe("192.168.49.2");
    expect(nodeHostOf({ host: "unix:///var/run/docker.sock" })).toBe("localhost");
    expect(nodeHostOf(undefined)).toBe("localhost");
  });
});
