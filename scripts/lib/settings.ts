/**
 * The stack's settings, checked by the program's own validation before a command starts anything slow. `up`,
 * `preview` and `dev` read the configuration as the program will receive it (`pulumi config --json`, which
 * merges Pulumi.yaml's defaults in as `pulumi up` does: both go through pulumi/pulumi pkg/workspace/config.go
 * mergeConfig, `config` as ApplyProjectConfig, `up` as ValidateStackConfigAndApplyProjectConfig; shown on the
 * real CLI by test/real) and run `checkSettings` on it before minikube is
 * started, its Docker daemon asked for or an image built: a typo costs seconds, not a `minikube start`.
 */
import { CONFIG_NAMESPACE, ConfigValidationError, checkSettings, type ConfigSource } from "../../config";
import type { Machine } from "../../host/machine";
import { UserError } from "./errors";

/** One entry of `pulumi config --json [--show-secrets]`: the value as the program gets it, and whether it is secret. */
export interface ConfigEntry {
  readonly value?: string;
  readonly secret?: boolean;
}

export type ConfigEntries = Readonly<Record<string, ConfigEntry>>;

/** The `todo-app:*` entries as the program's ConfigSource: the same keys, values and secretness. */
export function configSourceOf(entries: ConfigEntries): ConfigSource {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const own = new Map(
    Object.entries(entries)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, entry]) => [key.slice(prefix.length), entry]),
  );
  return {
    get: (key) => own.get(key)?.value,
    isSecret: (key) => own.get(key)?.secret === true,
    keys: () => [...own.keys()],
  };
}

/**
 * Throws a UserError listing every problem the program would report, before anything is started; never runs a
 * command (`machine.run` is not called) and never echoes a secret (the problems come from ConfigProblems).
 */
export function checkStackSettings(entries: ConfigEntries, stackName: string, machine: Machine): void {
  try {
    checkSettings(configSourceOf(entries), machine, stackName);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    throw new UserError(
      `The settings of stack "${stackName}" are not valid; nothing was started, built or deployed:\n` +
        error.problems.map((p) => `  - ${p}`).join("\n") +
        `\nChange them with \`npm run pulumi -- config set <key> <value>\` (or \`config rm <key>\` for the ` +
        "default) and run again.",
    );
  }
}

/** The entries that are not secret, in the shape of `Stack.getAllConfig()` (for where the stack deploys). */
export function plainConfigOf(entries: ConfigEntries): Record<string, { value: string }> {
  return Object.fromEntries(
    Object.entries(entries)
      .filter(([, entry]) => entry.secret !== true && typeof entry.value === "string")
      .map(([key, entry]) => [key, { value: entry.value as string }]),
  );
}
