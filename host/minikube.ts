/**
 * minikube as this project sees it: where its home and Docker daemon are, which container runtime and CNI a
 * profile runs, the address its NodePorts open on, and what state a profile is in. The program asks for the
 * runtime and then the daemon (so images are built where the kubelet looks for them, with no
 * `eval $(minikube docker-env)` in the user's shell); `npm run up` asks for the state.
 */
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";

import { qualified } from "../catalog";
import type { CommandResult, CommandRunner } from "./process";
import { shellCommand } from "./shellCommand";

/** `~/.minikube`, or `$MINIKUBE_HOME` (which may point at the `.minikube` folder itself or its parent). */
export function minikubeHome(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const configured = env.MINIKUBE_HOME;
  if (!configured) {
    return path.join(home, ".minikube");
  }
  return path.basename(configured) === ".minikube" ? configured : path.join(configured, ".minikube");
}

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
 * How `docker-env` refuses a runtime (cmd/minikube/cmd/docker-env.go, dockerEnvSupported, and the wording of
 * older releases). A profile whose runtime `minikube profile list` reports is sent to `docker-env` only when
 * it runs Docker, so this is a profile whose saved config could not be read.
 */
const DOCKER_ENV_RUNTIME_REFUSAL =
  /docker-env command only supports|only compatible with the "docker" runtime|container-runtime/i;

/** Finds minikube's Docker daemon. Errors say what to run. */
export function minikubeDockerEndpoint(profile: string, run: CommandRunner): DockerEndpoint {
  const args = ["-p", profile, "docker-env", "--shell", "none"];
  const result = run("minikube", args);
  if (result.error || result.status === null) {
    throw new pulumi.RunError(
      `buildTarget is "minikube" but the minikube command could not be run (${result.error?.message ?? "not found"}). ` +
        `Install minikube (https://minikube.sigs.k8s.io/docs/start/), or set ${qualified("dockerHost")} to minikube's ` +
        `Docker daemon, or choose another ${qualified("buildTarget")} (docker, registry).`,
    );
  }
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) {
    const stopped = /not running|does not exist|Stopped|profile .* not found|start the cluster/i.test(output);
    const runtime = DOCKER_ENV_RUNTIME_REFUSAL.test(output);
    const hint = runtime
      ? `minikube profile "${profile}" does not run Docker as its container runtime, and ` +
        `\`minikube profile list -o json --light\` did not say which one it runs. Check that command's output, ` +
        `or recreate the profile with \`${shellCommand(["minikube", "start", "-p", profile, "--container-runtime=docker"])}\`.`
      : stopped
        ? `minikube profile "${profile}" is not running: run \`${shellCommand(["minikube", "start", "-p", profile])}\` and try again.`
        : `Check \`${shellCommand(["minikube", "-p", profile, "status"])}\`; run \`${shellCommand(["minikube", "start", "-p", profile])}\` if it is stopped.`;
    throw new pulumi.RunError(
      `Could not find minikube's Docker daemon (\`minikube ${args.join(" ")}\` exited ${result.status}). ${hint}\n` +
        output.trim(),
    );
  }
  const endpoint = parseDockerEnv(result.stdout);
  if (!endpoint) {
    throw new pulumi.RunError(
      `\`minikube ${args.join(" ")}\` printed no DOCKER_HOST; set ${qualified("dockerHost")} to minikube's Docker daemon.`,
    );
  }
  return endpoint;
}

/** The runtimes `minikube start --container-runtime` accepts (minikube pkg/minikube/cruntime ValidRuntimes). */
export const MINIKUBE_CONTAINER_RUNTIMES = ["docker", "containerd", "cri-o"] as const;
export type MinikubeContainerRuntime = (typeof MINIKUBE_CONTAINER_RUNTIMES)[number];

/**
 * minikube takes `crio` and `cri-o` for the same runtime (kubernetes/minikube pkg/minikube/cruntime/cruntime.go,
 * New: `case "crio", "cri-o"`), so both are accepted here, as `cri-o`.
 */
export function normalizeContainerRuntime(value: string): string {
  return value.trim().toLowerCase() === "crio" ? "cri-o" : value.trim();
}

/** What a profile's saved cluster config says about it. */
export interface MinikubeProfile {
  readonly name: string;
  /** `docker`, `containerd` or `cri-o`: the runtime the kubelet pulls images through. */
  readonly containerRuntime: string;
  readonly driver: string;
  /** The `--cni` the profile was started with; empty for minikube's automatic choice. */
  readonly cni: string;
  /** The control-plane node's address, where NodePorts open. */
  readonly nodeIp?: string;
}

interface ProfileJson {
  Name?: string;
  Config?: {
    Driver?: string;
    KubernetesConfig?: { ContainerRuntime?: string; CNI?: string };
    Nodes?: { IP?: string; ControlPlane?: boolean }[];
  } | null;
}

/**
 * Finds one profile in `minikube profile list -o json --light`. The JSON is minikube's `config.Profile` as
 * Go marshals it (pkg/minikube/config/types.go: no json tags, so the keys are the field names), under
 * `valid` and `invalid` (cmd/minikube/cmd/config/profile_list.go, printProfilesJSON). Undefined when the
 * output is not that JSON or does not name the profile.
 */
export function findMinikubeProfile(output: string, profile: string): MinikubeProfile | undefined {
  const start = output.indexOf("{");
  const end = output.lastIndexOf("}");
  if (start < 0 || end < start) {
    return undefined;
  }
  let parsed: { valid?: ProfileJson[] | null; invalid?: ProfileJson[] | null };
  try {
    parsed = JSON.parse(output.slice(start, end + 1)) as typeof parsed;
  } catch {
    return undefined;
  }
  const entry = [...(parsed.valid ?? []), ...(parsed.invalid ?? [])].find((p) => p.Name === profile);
  const config = entry?.Config;
  const containerRuntime = normalizeContainerRuntime(config?.KubernetesConfig?.ContainerRuntime ?? "");
  if (!config || containerRuntime === "") {
    return undefined;
  }
  const nodes = config.Nodes ?? [];
  const controlPlane = nodes.find((n) => n.ControlPlane) ?? nodes[0];
  return {
    name: profile,
    containerRuntime,
    driver: config.Driver ?? "",
    cni: config.KubernetesConfig?.CNI ?? "",
    nodeIp: controlPlane?.IP ? controlPlane.IP : undefined,
  };
}

/**
 * A profile's runtime, driver, CNI and node address, from the cluster config minikube saved when it created
 * the profile. `--light` skips the status check of every profile (profile_list.go, updateProfilesStatus), so
 * this works while the cluster is stopped and takes no time. This is the reliable place to read the runtime:
 * `minikube config view` shows only the global defaults, and `minikube status -o json` has no runtime field
 * (pkg/minikube/cluster/status.go, Status). Undefined when minikube cannot be run or has no such profile.
 */
export function readMinikubeProfile(profile: string, run: CommandRunner): MinikubeProfile | undefined {
  const result = run("minikube", ["profile", "list", "-o", "json", "--light"]);
  if (result.error || result.status === null) {
    return undefined;
  }
  return findMinikubeProfile(result.stdout, profile);
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

export type MinikubeState = "running" | "stopped" | "paused" | "absent" | "unknown";

export interface MinikubeStatus {
  readonly state: MinikubeState;
  readonly detail: string;
}

interface StatusJson {
  Name?: string;
  Host?: string;
  Kubelet?: string;
  APIServer?: string;
}

/**
 * Reads `minikube status -o json`. It exits non-zero whenever anything is not running, so the JSON is read,
 * not the exit code.
 */
export function parseMinikubeStatus(result: CommandResult): MinikubeStatus {
  const text = `${result.stdout}\n${result.stderr}`.trim();
  let parsed: StatusJson | undefined;
  try {
    const json = JSON.parse(result.stdout) as StatusJson | StatusJson[];
    // A multi-node profile prints one entry per node; the first is the control plane.
    parsed = Array.isArray(json) ? json[0] : json;
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    if (/not found|does not exist|no such profile/i.test(text)) {
      return { state: "absent", detail: text.split(/\r?\n/)[0] ?? "" };
    }
    return { state: "unknown", detail: text || `exit status ${result.status}` };
  }
  const detail = `host ${parsed.Host ?? "?"}, kubelet ${parsed.Kubelet ?? "?"}, apiserver ${parsed.APIServer ?? "?"}`;
  if (parsed.Host === "Nonexistent") {
    return { state: "absent", detail };
  }
  if (parsed.Host === "Running" && parsed.Kubelet === "Running" && parsed.APIServer === "Running") {
    return { state: "running", detail };
  }
  if (parsed.APIServer === "Paused") {
    return { state: "paused", detail };
  }
  return { state: "stopped", detail };
}

export type MinikubeAction = "none" | "start" | "create" | "unpause";

/** What to do before a command runs. `down` never creates a cluster just to find nothing to delete in it. */
export function minikubeAction(state: MinikubeState, command: "up" | "down" | "preview"): MinikubeAction {
  switch (state) {
    case "running":
      return "none";
    case "paused":
      return "unpause";
    case "absent":
      return command === "down" ? "none" : "create";
    case "stopped":
    case "unknown":
      return "start";
  }
}

/** How `npm run up` creates a profile; only creation takes these, a start keeps what the profile has. */
export interface MinikubeCreateOptions {
  /** Default docker: the images are then built straight into the node's daemon, with no copy. */
  readonly containerRuntime?: MinikubeContainerRuntime;
}

/**
 * The arguments of each action. A new profile names its runtime, because minikube announces containerd as
 * its default from v1.39 (pkg/minikube/constants DefaultContainerRuntimeChangeWarning), and Calico as its
 * CNI: the one minikube ships that enforces NetworkPolicy (pkg/minikube/cni: bridge, the default for the
 * docker runtime, and flannel do not), so the app's policies hold from the first `npm run up`.
 */
export function minikubeArgs(
  action: Exclude<MinikubeAction, "none">,
  profile: string,
  options: MinikubeCreateOptions = {},
): string[] {
  switch (action) {
    case "unpause":
      return ["unpause", "-p", profile];
    case "create":
      return [
        "start",
        "-p",
        profile,
        `--container-runtime=${options.containerRuntime ?? "docker"}`,
        "--cni=calico",
      ];
    case "start":
      return ["start", "-p", profile];
  }
}
