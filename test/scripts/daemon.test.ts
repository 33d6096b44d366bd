/**
 * Preview, up and down check the Docker daemon the stack builds with before the engine runs, because the
 * docker provider connects to it whenever it is configured, a preview included.
 *
 * The behaviour this guards against, from pulumi/pulumi-docker's source: `provider/provider.go`,
 * `dockerNativeProvider.Configure`, calls `configureDockerClient(p.config, true)` (`provider/image.go`), which
 * pings the daemon and returns "failed to connect to any docker daemon" when nothing answers; it never reads
 * `disableDockerDaemonCheck`, which only the bridged half honours. `provider/hybrid.go`,
 * `dockerHybridProvider.Configure`, calls that native Configure first and fails with "docker native provider
 * returned an unexpected error from Configure: failed to connect to any docker daemon" (pulumi-docker#1106).
 */
import { describe, expect, it } from "vitest";

import { buildDaemonOf, buildDaemonProblem, describeDaemon } from "../../scripts/lib/daemon";
import { UserError } from "../../scripts/lib/errors";
import type { StackTarget } from "../../scripts/lib/minikube";
import { checksBuildDaemonFirst, requireBuildDaemon } from "../../scripts/lib/session";
import { fails, machine, ok } from "./stubs";

const minikubeStack: StackTarget = {
  kubeContext: "minikube",
  minikubeProfile: "minikube",
  buildTarget: "minikube",
  usesMinikube: true,
} as StackTarget;
const kindStack: StackTarget = {
  kubeContext: "kind-dev",
  minikubeProfile: "kind-dev",
  buildTarget: "docker",
  usesMinikube: false,
} as StackTarget;

/** What the native provider's Configure says without a daemon (provider/image.go, configureDockerClient). */
const PROVIDER_CONFIGURE_ERROR =
  "docker native provider returned an unexpected error from Configure: failed to connect to any docker daemon";

const DOCKER_ENV_OK =
  'DOCKER_TLS_VERIFY="1"\nDOCKER_HOST="tcp://192.168.49.2:2376"\nDOCKER_CERT_PATH="/home/dev/.minikube/certs"\n';

describe("which daemon a stack builds with", () => {
  it("is minikube's for the minikube target, the local one for kind, and dockerHost whenever it is set", () => {
    expect(buildDaemonOf(minikubeStack, "", "")).toEqual({ kind: "minikube", profile: "minikube" });
    expect(buildDaemonOf(kindStack, "", "")).toEqual({ kind: "local" });
    expect(buildDaemonOf(minikubeStack, "tcp://10.0.0.5:2376", "/certs")).toEqual({
      kind: "host",
      endpoint: { host: "tcp://10.0.0.5:2376", certPath: "/certs" },
    });
  });

  it("is the local one for a minikube profile that does not run Docker (the image is built here, then loaded)", () => {
    expect(buildDaemonOf(minikubeStack, "", "", true)).toEqual({ kind: "local" });
  });
});

describe("the daemon check before the engine runs", () => {
  it("passes a running minikube on `minikube docker-env` alone, needing no docker CLI on the host", () => {
    const run = machine({ "minikube -p minikube docker-env --shell none": ok(DOCKER_ENV_OK) });
    expect(buildDaemonProblem({ kind: "minikube", profile: "minikube" }, run, "darwin")).toBeUndefined();
    expect(run.calls).toEqual(["minikube -p minikube docker-env --shell none"]);
  });

  it("stops on a minikube that is not running, with the command that starts it", () => {
    const run = machine({
      "minikube -p minikube docker-env": fails(
        80,
        "",
        'X Exiting due to GUEST_STATUS: state: unknown state "minikube": docker container inspect minikube: exit status 1\n* The control-plane node minikube host is not running: state=Stopped',
      ),
    });
    const problem = buildDaemonProblem({ kind: "minikube", profile: "minikube" }, run, "linux");
    expect(problem).toMatch(/^This stack builds its images with minikube profile "minikube"'s Docker daemon/);
    expect(problem).toMatch(/before any preview, update or destroy/);
    expect(problem).toContain("minikube start -p minikube");
  });

  it("stops on a stopped local daemon with how to start it, instead of the provider's Configure error", () => {
    const run = machine({
      "docker info": fails(
        1,
        "",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
      ),
    });
    const problem = buildDaemonProblem({ kind: "local" }, run, "linux");
    expect(problem).toMatch(/this machine's Docker daemon/);
    expect(problem).toMatch(/Cannot connect to the Docker daemon.*sudo systemctl start docker/);
    expect(problem).not.toContain(PROVIDER_CONFIGURE_ERROR);
    expect(buildDaemonProblem({ kind: "local" }, run, "darwin")).toMatch(/start Docker Desktop/);
  });

  it("asks an explicit dockerHost itself", () => {
    const run = machine({ "docker --host ssh://builder@ci": ok("28.2.2") });
    expect(
      buildDaemonProblem({ kind: "host", endpoint: { host: "ssh://builder@ci" } }, run, "linux"),
    ).toBeUndefined();
  });

  it("throws the problem as a UserError from requireBuildDaemon, which openSession runs for up and preview", () => {
    const run = machine({ "docker info": fails(1, "", "Cannot connect to the Docker daemon") });
    expect(() => requireBuildDaemon({ daemon: { kind: "local" }, run, platform: "linux" })).toThrow(
      UserError,
    );
    const up = machine({ "docker info": ok("28.2.2") });
    expect(() => requireBuildDaemon({ daemon: { kind: "local" }, run: up, platform: "linux" })).not.toThrow();
  });

  it("runs for preview and up before the engine starts; down decides by what the stack still holds", () => {
    expect(checksBuildDaemonFirst("preview")).toBe(true);
    expect(checksBuildDaemonFirst("up")).toBe(true);
    expect(checksBuildDaemonFirst("down")).toBe(false);
  });

  it("names the daemon the way the messages do", () => {
    expect(describeDaemon({ kind: "host", endpoint: { host: "tcp://h:2376" } })).toBe(
      "the Docker daemon at tcp://h:2376",
    );
  });
});
