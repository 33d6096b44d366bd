/**
 * Whether the stack deploys to minikube, and bringing its profile up. The build target is decided by the same
 * code the program runs (host/buildTarget.ts), so the script and the program never disagree about it.
 */
import { qualified } from "../../catalog";
import { CONFIG_KEYS, type ConfigKeyName } from "../../config/keys";
import { type BuildTargetChoice, resolveBuildTarget } from "../../host/buildTarget";
import type { Kubeconfig } from "../../host/kubeconfig";
import {
  MINIKUBE_CONTAINER_RUNTIMES,
  type MinikubeContainerRuntime,
  type MinikubeCreateOptions,
  type MinikubeStatus,
  minikubeAction,
  minikubeArgs,
  normalizeContainerRuntime,
  parseMinikubeStatus,
  readMinikubeProfile,
} from "../../host/minikube";
import type { CommandRunner } from "../../host/process";
import { UserError } from "./errors";
import { shellCommand } from "../../host/shellCommand";

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
  /** The runtime a profile that `npm run up` creates gets (`todo-app:minikubeContainerRuntime`, default docker). */
  readonly minikubeContainerRuntime: MinikubeContainerRuntime;
}

/**
 * The setting that chooses the runtime of a profile `npm run up` creates. It is read by name because only the
 * scripts use it: the program detects the runtime of whatever profile it finds.
 */
export const MINIKUBE_RUNTIME_KEY = "minikubeContainerRuntime";

/** `todo-app:minikubeContainerRuntime`, else docker; any other value is refused, naming what is accepted. */
export function minikubeRuntimeSetting(
  config: Readonly<Record<string, { value: string }>>,
): MinikubeContainerRuntime {
  const value = normalizeContainerRuntime(config[qualified(MINIKUBE_RUNTIME_KEY)]?.value ?? "");
  if (value === "") {
    return "docker";
  }
  const runtime = (MINIKUBE_CONTAINER_RUNTIMES as readonly string[]).find((r) => r === value);
  if (runtime === undefined) {
    throw new UserError(
      `${qualified(MINIKUBE_RUNTIME_KEY)} is "${value}"; accepted: ${MINIKUBE_CONTAINER_RUNTIMES.join(", ")} ` +
        "(or crio; the runtime of a minikube profile `npm run up` creates; docker, the default, builds images in the " +
        "node itself). Fix it with `npm run pulumi -- config set minikubeContainerRuntime docker`.",
    );
  }
  return runtime as MinikubeContainerRuntime;
}

/** `todo-app:<key>` from a stack's config map (as `Stack.getAllConfig()` returns it), else its default. */
export function configValue(config: Readonly<Record<string, { value: string }>>, key: ConfigKeyName): string {
  const value = config[qualified(key)]?.value?.trim();
  if (value) {
    return value;
  }
  const fallback: unknown = CONFIG_KEYS[key].default;
  return typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean"
    ? String(fallback)
    : JSON.stringify(fallback);
}

/** Where a stack deploys, decided by resolveBuildTarget exactly as the program decides it. */
export function stackTarget(
  config: Readonly<Record<string, { value: string }>>,
  kubeconfig: Kubeconfig | undefined,
  minikubeDir: string,
): StackTarget {
  const kubeContext = configValue(config, "kubeContext");
  const choice = configValue(config, "buildTarget");
  // An unknown choice is the program's to reject (with the key named); here it just is not minikube.
  const buildTarget = (CONFIG_KEYS.buildTarget.values as readonly string[]).includes(choice)
    ? resolveBuildTarget(choice as BuildTargetChoice, kubeContext, kubeconfig, minikubeDir).target
    : choice;
  const kubeconfigFile = configValue(config, "kubeconfig");
  return {
    kubeContext,
    kubeconfig: kubeconfigFile ? kubeconfigFile : undefined,
    minikubeProfile: configValue(config, "minikubeProfile") || kubeContext,
    buildTarget,
    usesMinikube: buildTarget === "minikube",
    minikubeContainerRuntime: minikubeRuntimeSetting(config),
  };
}

/**
 * Brings the profile up when it is not. `runLive` shows minikube's own progress (a first start downloads and
 * boots a node for minutes); `run` captures the status probe. A profile it creates gets `create`'s runtime
 * (docker by default) and Calico, so NetworkPolicies are enforced.
 */
export function ensureMinikube(
  profile: string,
  command: "up" | "down" | "preview",
  run: CommandRunner,
  runLive: CommandRunner,
  log: (line: string) => void,
  create: MinikubeCreateOptions = {},
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
  const args = minikubeArgs(action, profile, create);
  log(
    `minikube profile "${profile}" is ${status.state} (${status.detail}): running \`${shellCommand(["minikube", ...args])}\`.`,
  );
  const result = runLive("minikube", args);
  if (result.status !== 0) {
    throw new UserError(
      `\`${shellCommand(["minikube", ...args])}\` failed (exit ${result.status ?? result.error?.message ?? "?"}). ` +
        `See its output above; \`${shellCommand(["minikube", "-p", profile, "logs"])}\` has more. If the profile is broken, ` +
        `\`${shellCommand(["minikube", "delete", "-p", profile])}\` and run again.`,
    );
  }
  return parseMinikubeStatus(run("minikube", ["status", "-p", profile, "-o", "json"]));
}

/**
 * Whether a minikube stack also needs this machine's Docker daemon: a profile that does not run Docker has no
 * daemon to build in, so the program builds locally and loads the image into it (config/probe.ts). Read
 * after the profile is up, from the same saved config the program reads.
 */
export function minikubeBuildsLocally(profile: string, run: CommandRunner): boolean {
  const saved = readMinikubeProfile(profile, run);
  return saved !== undefined && saved.containerRuntime !== "docker";
}
