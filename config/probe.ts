/**
 * The second phase of loading: only a valid configuration gets here, so the machine is probed (kubeconfig
 * read, minikube asked for its Docker daemon) at most once and never for a stack that would fail anyway.
 * It decides what the configuration alone cannot: which build target `auto` means, which daemon builds, and
 * the address the frontend's NodePort opens on.
 */
import { qualified } from "../catalog";
import { resolveBuildTarget } from "../host/buildTarget";
import { kubeconfigFiles } from "../host/kubeconfig";
import type { Machine } from "../host/machine";
import { type DockerEndpoint, minikubeDockerEndpoint, minikubeHome, nodeHostOf } from "../host/minikube";
import type { BuildConfig } from "./build";
import type { ClusterConfig } from "./cluster";
import type { ConfigProblems } from "./problems";
import type { BuildSettings } from "./types";

export interface MachineFacts {
  readonly build: BuildSettings;
  /** The minikube profile: the setting, else the context's name. */
  readonly minikubeProfile: string;
  readonly nodeHost: string;
  /** The configured public URL, else the node address and NodePort. */
  readonly frontendUrl: string;
}

/** Throws a ConfigValidationError (through `problems`) when the machine contradicts the configuration. */
export function probeMachine(
  cluster: ClusterConfig,
  build: BuildConfig,
  machine: Machine,
  problems: ConfigProblems,
): MachineFacts {
  const kubeconfigPaths = kubeconfigFiles(cluster.kubeconfig, machine.env, machine.homedir);
  const kubeconfig = machine.readKubeconfig(kubeconfigPaths);
  // The old setup's first failure: a context that is not the one the user thinks. When the kubeconfig can
  // be read, a context it does not have is refused here, with the ones it does have.
  const knownContexts = (kubeconfig?.contexts ?? []).map((c) => c.name);
  if (knownContexts.length > 0 && !knownContexts.includes(cluster.kubeContext)) {
    problems.add(
      "kubeContext",
      cluster.kubeContext,
      `a context of your kubeconfig (${kubeconfigPaths.join(", ")}): ${knownContexts.join(", ")}` +
        (cluster.kubeContext === "minikube"
          ? ". For minikube, run `minikube start` first: it adds the context"
          : ""),
    );
    problems.throwIfAny();
  }
  const detection = resolveBuildTarget(
    build.choice,
    cluster.kubeContext,
    kubeconfig,
    minikubeHome(machine.env, machine.homedir),
  );
  if (detection.target === "registry") {
    checkRegistry(build, detection.reason, problems);
  }

  const minikubeProfile = cluster.minikubeProfile || cluster.kubeContext;
  let docker: DockerEndpoint | undefined;
  if (build.dockerHost !== "") {
    docker = build.dockerCertPath
      ? { host: build.dockerHost, certPath: build.dockerCertPath }
      : { host: build.dockerHost };
  } else if (detection.target === "minikube") {
    docker = minikubeDockerEndpoint(minikubeProfile, machine.run);
  }

  const nodeHost = detection.target === "minikube" ? nodeHostOf(docker) : "localhost";
  const frontendUrl =
    cluster.frontendUrl !== ""
      ? cluster.frontendUrl
      : cluster.frontendNodePort === 0
        ? `http://${nodeHost}`
        : `http://${nodeHost}:${cluster.frontendNodePort}`;

  return {
    build: {
      target: detection.target,
      reason: detection.reason,
      docker,
      kindCluster: detection.target === "docker" ? detection.kindCluster : undefined,
      registry: detection.target === "registry" ? build.registry : undefined,
    },
    minikubeProfile,
    nodeHost,
    frontendUrl,
  };
}

/** A push fails minutes into an update without a registry and credentials; say so before anything starts. */
function checkRegistry(build: BuildConfig, reason: string, problems: ConfigProblems): void {
  const registry = build.registry;
  if (!registry) {
    problems.addRaw(
      `${qualified("buildTarget")} resolved to "registry" (${reason}), but ${qualified("registryServer")} ` +
        "is not set. A remote cluster cannot see images on this machine: set registryServer and registryUsername " +
        "(`npm run pulumi -- config set registryServer ghcr.io/acme`), and registryPassword with " +
        "`npm run pulumi -- config set --secret registryPassword`; or set buildTarget to minikube or docker for a " +
        "local cluster.",
    );
    problems.throwIfAny();
    return;
  }
  if (registry.username === "") {
    problems.add("registryUsername", "", `the user to push and pull with at ${registry.server}`);
  }
  if (!build.hasRegistryPassword) {
    problems.addRaw(
      `${qualified("registryPassword")} is not set: set it with ` +
        "`npm run pulumi -- config set --secret registryPassword` " +
        `(a password or token for ${registry.server}).`,
    );
  }
  problems.throwIfAny();
}
