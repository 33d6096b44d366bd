/**
 * The Docker daemon a stack builds its images with, and whether it answers, checked before the engine starts.
 *
 * Every engine operation needs it, a preview included: pulumi-docker's `disableDockerDaemonCheck` reaches only
 * the bridged (Terraform) half of the provider. The native half's Configure (provider/provider.go,
 * dockerNativeProvider.Configure) calls `configureDockerClient(p.config, true)` (provider/image.go), which pings
 * the daemon and fails with "failed to connect to any docker daemon"; the hybrid provider (provider/hybrid.go,
 * dockerHybridProvider.Configure) calls the native Configure first and fails with that error
 * (pulumi/pulumi-docker#1106). The engine configures the provider for a preview, an update, and for every
 * docker resource a destroy deletes, so without this check each of them fails with a message that names neither
 * the daemon nor how to start it.
 */
import { type DockerEndpoint, minikubeDockerEndpoint } from "../../host/minikube";
import type { CommandRunner } from "../../host/process";
import type { StackTarget } from "./minikube";
import { dockerDaemonProblem } from "./prerequisites";

/** Where the program's docker provider connects, decided as config/probe.ts decides it. */
export type BuildDaemon =
  | { readonly kind: "minikube"; readonly profile: string }
  | { readonly kind: "host"; readonly endpoint: DockerEndpoint }
  | { readonly kind: "local" };

/**
 * An explicit `dockerHost` wins; else minikube's daemon for the minikube target, unless the profile runs
 * another container runtime (`minikubeBuildsLocally`: the program then builds with the local daemon and loads
 * the image into the profile); else the local one.
 */
export function buildDaemonOf(
  target: StackTarget,
  dockerHost: string,
  dockerCertPath: string,
  minikubeBuildsLocally = false,
): BuildDaemon {
  if (dockerHost !== "") {
    return {
      kind: "host",
      endpoint: dockerCertPath ? { host: dockerHost, certPath: dockerCertPath } : { host: dockerHost },
    };
  }
  return target.buildTarget === "minikube" && !minikubeBuildsLocally
    ? { kind: "minikube", profile: target.minikubeProfile }
    : { kind: "local" };
}

export function describeDaemon(daemon: BuildDaemon): string {
  switch (daemon.kind) {
    case "minikube":
      return `minikube profile "${daemon.profile}"'s Docker daemon`;
    case "host":
      return `the Docker daemon at ${daemon.endpoint.host}`;
    case "local":
      return "this machine's Docker daemon";
  }
}

/**
 * Why the build daemon cannot be used, with how to start it; undefined when it answers. For minikube, a
 * successful `minikube -p <profile> docker-env` implies a running node and its daemon (minikube refuses
 * docker-env for a stopped profile), so no docker CLI is needed on the host.
 */
export function buildDaemonProblem(
  daemon: BuildDaemon,
  run: CommandRunner,
  platform: NodeJS.Platform,
): string | undefined {
  const why =
    `This stack builds its images with ${describeDaemon(daemon)}, and Pulumi's docker provider connects to ` +
    "it before any preview, update or destroy, so it must be running.";
  if (daemon.kind === "minikube") {
    try {
      minikubeDockerEndpoint(daemon.profile, run);
      return undefined;
    } catch (error) {
      return `${why} ${(error as Error).message}`;
    }
  }
  const problem = dockerDaemonProblem(run, platform, daemon.kind === "host" ? daemon.endpoint : undefined);
  return problem ? `${why} ${problem}` : undefined;
}
