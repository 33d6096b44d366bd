/**
 * minikube as this project sees it: where its home and Docker daemon are, the address its NodePorts open on,
 * and what state a profile is in. The program asks for the daemon (so images are built where the kubelet looks
 * for them, with no `eval $(minikube docker-env)` in the user's shell); `npm run up` asks for the state.
 */
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";

import { qualified } from "../catalog";
import type { CommandResult, CommandRunner } from "./process";

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
      `\`minikube ${args.join(" ")}\` printed no DOCKER_HOST; set ${qualified("dockerHost")} to minikube's Docker daemon.`,
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

/**
 * What to do before a command runs. `down` never creates a cluster just to find nothing to delete in it.
 * A new profile gets the Docker runtime, because the program builds images into minikube's Docker daemon.
 */
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

export function minikubeArgs(action: Exclude<MinikubeAction, "none">, profile: string): string[] {
  switch (action) {
    case "unpause":
      return ["unpause", "-p", profile];
    case "create":
      return ["start", "-p", profile, "--container-runtime=docker"];
    case "start":
      return ["start", "-p", profile];
  }
}
