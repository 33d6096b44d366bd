/**
 * The second phase of loading: only a valid configuration gets here, so the machine is probed (kubeconfig
 * read, minikube and Docker asked what they run) at most once and never for a stack that would fail anyway.
 * It decides what the configuration alone cannot: which build target `auto` means, which daemon builds, how
 * a built image reaches the nodes, and the address the frontend's NodePort opens on.
 */
import { qualified } from "../catalog";
import { type Detection, resolveBuildTarget } from "../host/buildTarget";
import { detectImageStore } from "../host/docker";
import type { ImageLoad } from "../host/imageLoad";
import { KIND_CLUSTER_NAME, isKindClusterName } from "../host/kind";
import { kubeconfigFiles } from "../host/kubeconfig";
import type { Machine } from "../host/machine";
import {
  type DockerEndpoint,
  minikubeDockerEndpoint,
  minikubeHome,
  nodeHostOf,
  readMinikubeProfile,
} from "../host/minikube";
import type { BuildConfig } from "./build";
import type { ClusterConfig } from "./cluster";
import type { ConfigProblems } from "./problems";
import type { BuildSettings } from "./types";
import { minikubeProfileProblem } from "./validate";

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

  if (detection.target === "docker" && detection.kindCluster !== undefined) {
    checkKindCluster(cluster.kubeContext, detection.kindCluster, problems);
  }

  const minikubeProfile = cluster.minikubeProfile || cluster.kubeContext;
  if (detection.target === "minikube" && cluster.minikubeProfile === "") {
    // The profile is the context's name here, and minikube is asked about it: a name minikube could not have
    // created is refused first, naming the setting that gave it.
    const profileProblem = minikubeProfileProblem(minikubeProfile);
    if (profileProblem !== undefined) {
      problems.add(
        "kubeContext",
        cluster.kubeContext,
        `${profileProblem} (the minikube profile is the context's name; or set minikubeProfile)`,
      );
      problems.throwIfAny();
    }
  }
  const explicit: DockerEndpoint | undefined =
    build.dockerHost === ""
      ? undefined
      : build.dockerCertPath
        ? { host: build.dockerHost, certPath: build.dockerCertPath }
        : { host: build.dockerHost };
  const delivery =
    detection.target === "minikube"
      ? minikubeDelivery(minikubeProfile, explicit, machine)
      : localDelivery(detection, explicit, machine);

  const nodeHost =
    delivery.nodeHost ?? (detection.target === "minikube" ? nodeHostOf(delivery.docker) : "localhost");
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
      docker: delivery.docker,
      load: delivery.load,
      registry: detection.target === "registry" ? build.registry : undefined,
    },
    minikubeProfile,
    nodeHost,
    frontendUrl,
  };
}

interface Delivery {
  /** The daemon that builds; undefined for the docker provider's default. */
  readonly docker?: DockerEndpoint;
  readonly load?: ImageLoad;
  /** Set when the node address is known without a Docker endpoint to derive it from. */
  readonly nodeHost?: string;
}

/**
 * A minikube profile that runs Docker builds in its own daemon: the configured dockerHost (which then is
 * minikube's daemon, so nothing else is asked), else the one `docker-env` names. Any other runtime has no
 * Docker daemon to build in (`docker-env` refuses CRI-O, and serves containerd only through an experimental
 * nerdctld over SSH, cmd/minikube/cmd/docker-env.go), so the image is built by the local daemon and loaded
 * into the profile. The runtime is read first, from the profile's saved config: asking `docker-env` would
 * start that experiment on a containerd profile. When it cannot be read, the profile is taken to run Docker,
 * and `docker-env` explains what is wrong.
 */
function minikubeDelivery(profile: string, explicit: DockerEndpoint | undefined, machine: Machine): Delivery {
  if (explicit) {
    return { docker: explicit };
  }
  const saved = readMinikubeProfile(profile, machine.run);
  if (saved && saved.containerRuntime !== "docker") {
    return {
      load: {
        into: "minikube",
        profile,
        containerRuntime: saved.containerRuntime,
        imageStore: detectImageStore(machine.run),
      },
      nodeHost: saved.nodeIp,
    };
  }
  return { docker: minikubeDockerEndpoint(profile, machine.run) };
}

/** The local daemon (or the configured one) builds; a kind cluster's nodes then need the image loaded. */
function localDelivery(
  detection: Detection,
  explicit: DockerEndpoint | undefined,
  machine: Machine,
): Delivery {
  if (detection.target !== "docker" || detection.kindCluster === undefined) {
    return { docker: explicit };
  }
  return {
    docker: explicit,
    load: {
      into: "kind",
      cluster: detection.kindCluster,
      imageStore: detectImageStore(machine.run, explicit),
    },
  };
}

/** The name goes to `kind load --name`; a name kind itself could not have created is refused first. */
function checkKindCluster(kubeContext: string, name: string, problems: ConfigProblems): void {
  if (!isKindClusterName(name)) {
    problems.add(
      "kubeContext",
      kubeContext,
      `a kind context, kind-<cluster>, whose cluster name kind accepts (${KIND_CLUSTER_NAME.source}: ` +
        "lower-case letters, digits, '.' and '-'); for a cluster that is not kind's, set buildTarget to registry",
    );
    problems.throwIfAny();
  }
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
