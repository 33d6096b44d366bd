/**
 * Whether the stack deploys to minikube, what state its profile is in, and bringing it up. `minikube status -o
 * json` exits non-zero whenever anything is not running, so the JSON is read, not the exit code.
 */
import type { CommandResult, CommandRunner, Kubeconfig } from "../../lib/buildTarget";
import { detectBuildTarget } from "../../lib/buildTarget";
import { CONFIG_KEYS } from "../../lib/configKeys";
import { UserError } from "./errors";

/** The settings of a stack that decide where it deploys, read from `pulumi config` (or the defaults). */
export interface StackTarget {
  readonly kubeContext: string;
  /** The `todo-app:kubeconfig` file, when the stack names one. */
  readonly kubeconfig?: string;
  readonly minikubeProfile: string;
  /** minikube, docker (local daemon) or registry, as the program decides it. */
  readonly buildTarget: string;
  /** True when the cluster is a minikube profile this script may start. */
  readonly usesMinikube: boolean;
}

/** `todo-app:<key>` from a stack's config map (as `Stack.getAllConfig()` returns it). */
export function configValue(
  config: Readonly<Record<string, { value: string }>>,
  key: keyof typeof CONFIG_KEYS,
): string {
  const value = config[`todo-app:${key}`]?.value?.trim();
  if (value) {
    return value;
  }
  const fallback: unknown = CONFIG_KEYS[key].default;
  return typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean"
    ? String(fallback)
    : JSON.stringify(fallback);
}

/** Mirrors config.ts: an explicit buildTarget wins; `auto` detects minikube by context name or certificate path. */
export function stackTarget(
  config: Readonly<Record<string, { value: string }>>,
  kubeconfig: Kubeconfig | undefined,
  minikubeDir: string,
): StackTarget {
  const kubeContext = configValue(config, "kubeContext");
  const explicit = configValue(config, "buildTarget");
  const buildTarget =
    explicit === "auto" ? detectBuildTarget(kubeContext, kubeconfig, minikubeDir).target : explicit;
  const kubeconfigFile = config["todo-app:kubeconfig"]?.value?.trim();
  return {
    kubeContext,
    kubeconfig: kubeconfigFile ? kubeconfigFile : undefined,
    minikubeProfile: config["todo-app:minikubeProfile"]?.value?.trim() || kubeContext,
    buildTarget,
    usesMinikube: buildTarget === "minikube",
  };
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
 * What to do before the command runs. `down` never creates a cluster just to find nothing to delete in it.
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

/**
 * Brings the profile up when it is not. `runLive` shows minikube's own progress (a first start downloads and
 * boots a node for minutes); `run` captures the status probe.
 */
export function ensureMinikube(
  profile: string,
  command: "up" | "down" | "preview",
  run: CommandRunner,
  runLive: CommandRunner,
  log: (line: string) => void,
): MinikubeStatus {
  const status = parseMinikubeStatus(run("minikube", ["status", "-p", profile, "-o", "json"]));
  const action = minikubeAction(status.state, command);
  if (action === "none") {
    log(
      status.state === "absent"
        ? `minikube profile "${profile}" does not exist; nothing to start.`
        : `minikube profile "${profile}" is running.`,
    );
    return status;
  }
  const args = minikubeArgs(action, profile);
  log(
    `minikube profile "${profile}" is ${status.state} (${status.detail}): running \`minikube ${args.join(" ")}\`.`,
  );
  const result = runLive("minikube", args);
  if (result.status !== 0) {
    throw new UserError(
      `\`minikube ${args.join(" ")}\` failed (exit ${result.status ?? result.error?.message ?? "?"}). ` +
        `See its output above; \`minikube -p ${profile} logs\` has more. If the profile is broken, ` +
        `\`minikube delete -p ${profile}\` and run again.`,
    );
  }
  return parseMinikubeStatus(run("minikube", ["status", "-p", profile, "-o", "json"]));
}
