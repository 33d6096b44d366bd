/**
 * Whether the stack deploys to minikube, and bringing its profile up. The build target is decided by the same
 * code the program runs (host/buildTarget.ts), so the script and the program never disagree about it.
 */
import { qualified } from "../../catalog";
import { CONFIG_KEYS, type ConfigKeyName } from "../../config/keys";
import { type BuildTargetChoice, resolveBuildTarget } from "../../host/buildTarget";
import type { Kubeconfig } from "../../host/kubeconfig";
import { type MinikubeStatus, minikubeAction, minikubeArgs, parseMinikubeStatus } from "../../host/minikube";
import type { CommandRunner } from "../../host/process";
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
  };
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
