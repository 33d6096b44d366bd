/**
 * Where images are built, decided per stack: straight into minikube's Docker daemon, into the local daemon
 * (Docker Desktop, kind), or pushed to a registry for a remote cluster. The detection mirrors Skaffold's
 * (`pkg/skaffold/cluster`): a context named `minikube`, or one whose cluster certificate lives under the
 * minikube home, is minikube; `kind-*` and `docker-desktop` share the local daemon; anything else is remote.
 */
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";

export const BUILD_TARGETS = ["minikube", "docker", "registry"] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];

/** The parts of a kubeconfig this module reads. */
export interface Kubeconfig {
  contexts?: { name: string; context?: { cluster?: string } }[];
  clusters?: { name: string; cluster?: { "certificate-authority"?: string } }[];
}

export interface Detection {
  target: BuildTarget;
  /** Why this target was chosen, for the README's troubleshooting and error messages. */
  reason: string;
  /** For kind clusters, the cluster name that `kind load docker-image --name` needs. */
  kindCluster?: string;
}

/** `~/.minikube`, or `$MINIKUBE_HOME` (which may point at the `.minikube` folder itself or its parent). */
export function minikubeHome(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const configured = env.MINIKUBE_HOME;
  if (!configured) {
    return path.join(home, ".minikube");
  }
  return path.basename(configured) === ".minikube" ? configured : path.join(configured, ".minikube");
}

/**
 * The kubeconfig files kubectl would read: the explicit one, else each entry of $KUBECONFIG, else
 * ~/.kube/config.
 */
export function kubeconfigFiles(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string,
): string[] {
  if (explicit) {
    return [explicit];
  }
  if (env.KUBECONFIG) {
    return env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
  }
  return [path.join(home, ".kube", "config")];
}

/** The kind cluster a context belongs to (`kind-dev` -> `dev`), as `kind load --name` wants it. */
export function kindClusterOf(kubeContext: string): string | undefined {
  return kubeContext.startsWith("kind-") ? kubeContext.slice("kind-".length) : undefined;
}

export function detectBuildTarget(
  kubeContext: string,
  kubeconfig: Kubeconfig | undefined,
  minikubeDir: string,
): Detection {
  if (kubeContext === "minikube") {
    return { target: "minikube", reason: `kube context "minikube"` };
  }
  const cluster = clusterOf(kubeContext, kubeconfig);
  const ca = cluster?.cluster?.["certificate-authority"];
  if (ca && isInside(ca, minikubeDir)) {
    return {
      target: "minikube",
      reason: `the cluster certificate of "${kubeContext}" is under ${minikubeDir}`,
    };
  }
  const kindCluster = kindClusterOf(kubeContext);
  if (kindCluster !== undefined) {
    return { target: "docker", reason: `kube context "${kubeContext}" is a kind cluster`, kindCluster };
  }
  if (kubeContext === "docker-desktop" || kubeContext === "docker-for-desktop") {
    return { target: "docker", reason: `kube context "${kubeContext}" is Docker Desktop` };
  }
  return { target: "registry", reason: `kube context "${kubeContext}" is not a local cluster` };
}

function clusterOf(kubeContext: string, kubeconfig: Kubeconfig | undefined) {
  const ctx = kubeconfig?.contexts?.find((c) => c.name === kubeContext);
  const clusterName = ctx?.context?.cluster;
  return clusterName ? kubeconfig?.clusters?.find((c) => c.name === clusterName) : undefined;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** The result of running an external command; a stub of this type drives the tests. */
export interface CommandResult {
  /** Exit status, or null when the command could not be started (for example, not installed). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all. */
  error?: Error;
}

export type CommandRunner = (command: string, args: readonly string[]) => CommandResult;

/** How the docker provider reaches a daemon that is not the default local one. */
export interface DockerEndpoint {
  host: string;
  certPath?: string;
}

/**
 * Parses `minikube docker-env --shell none` (plain `KEY=value` lines). `--shell none` is used because
 * the default output is shell syntax that differs between bash, fish and PowerShell.
 */
export function parseDockerEnv(output: string): DockerEndpoint | undefined {
  const vars = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^(?:export\s+)?([A-Z_]+)="?([^"]*)"?$/.exec(line.trim());
    if (match) {
      vars.set(match[1], match[2]);
    }
  }
  const host = vars.get("DOCKER_HOST");
  if (!host) {
    return undefined;
  }
  const certPath = vars.get("DOCKER_TLS_VERIFY") === "1" ? vars.get("DOCKER_CERT_PATH") : undefined;
  return certPath ? { host, certPath } : { host };
}

/**
 * Finds minikube's Docker daemon, so images are built where the kubelet looks for them and no
 * `eval $(minikube docker-env)` is needed in the user's shell. Errors say what to run.
 */
export function minikubeDockerEndpoint(profile: string, run: CommandRunner): DockerEndpoint {
  const args = ["-p", profile, "docker-env", "--shell", "none"];
  const result = run("minikube", args);
  if (result.error || result.status === null) {
    throw new pulumi.RunError(
      `buildTarget is "minikube" but the minikube command could not be run (${result.error?.message ?? "not found"}). ` +
        "Install minikube (https://minikube.sigs.k8s.io/docs/start/), or set todo-app:dockerHost to minikube's " +
        "Docker daemon, or choose another todo-app:buildTarget (docker, registry).",
    );
  }
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) {
    const stopped = /not running|does not exist|Stopped|profile .* not found|start the cluster/i.test(output);
    const containerd = /only supports the docker container runtime|container-runtime/i.test(output);
    const hint = containerd
      ? `minikube profile "${profile}" does not run Docker as its container runtime; start it with ` +
        `\`minikube start -p ${profile} --container-runtime=docker\`.`
      : stopped
        ? `minikube profile "${profile}" is not running: run \`minikube start -p ${profile}\` and try again.`
        : `Check \`minikube -p ${profile} status\`; run \`minikube start -p ${profile}\` if it is stopped.`;
    throw new pulumi.RunError(
      `Could not find minikube's Docker daemon (\`minikube ${args.join(" ")}\` exited ${result.status}). ${hint}\n` +
        output.trim(),
    );
  }
  const endpoint = parseDockerEnv(result.stdout);
  if (!endpoint) {
    throw new pulumi.RunError(
      `\`minikube ${args.join(" ")}\` printed no DOCKER_HOST; set todo-app:dockerHost to minikube's Docker daemon.`,
    );
  }
  return endpoint;
}

/**
 * The address at which a NodePort can be opened, taken from the Docker endpoint of minikube (its VM or
 * container IP) when there is one; `localhost` for Docker Desktop and kind port mappings otherwise.
 */
export function nodeHostOf(endpoint: DockerEndpoint | undefined): string {
  if (!endpoint) {
    return "localhost";
  }
  try {
    const url = new URL(endpoint.host);
    return url.protocol === "tcp:" && url.hostname ? url.hostname : "localhost";
  } catch {
    return "localhost";
  }
}
