/**
 * Stack configuration exactly as the Pulumi CLI hands it to the program. Every whole-program test goes through
 * here (runProgram, the config tests' source, the schema and policy runs), so no test sees a configuration a
 * real `pulumi up` could not produce. Emulated from pulumi/pulumi v3.260.0:
 *
 * - `pkg/workspace/config.go` `mergeConfig` (behind `ValidateStackConfigAndApplyProjectConfig`): each key that
 *   Pulumi.yaml declares and the stack does not set gets the declared `default` (or project-wide `value`);
 *   `createConfigValue` writes a string, integer or boolean as its text (`fmt.Sprintf("%v")`) and anything else
 *   as JSON (an "object" value). A declared key with neither, unset on the stack, is "missing".
 * - `validateStackConfigValues` / `validateStackConfigValue`: each explicitly typed key's merged value must be
 *   of its type (`sdk/go/common/workspace/project.go` `ValidateConfigValue`: an integer is a string that
 *   `strconv.Atoi` parses, a boolean the string "true" or "false", an object a map, an array a list whose
 *   items are of the item type), and a key declared `secret: true` must be stored encrypted.
 * - `sdk/go/common/resource/config/object.go` `MarshalString`: a stack file's boolean or number reaches the
 *   program as its JSON text, a map or list as JSON, a secret decrypted (and listed as secret).
 *
 * The CLI refuses a bad value with its own message before the program starts; `CliConfigError` carries that
 * message, so a test asserts what the user would read.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

import { PROJECT_NAME } from "../../catalog";
import { CONFIG_KEYS, type ConfigKeyName } from "../../config/keys";

/** A value as a stack file holds it (after YAML parsing): text, a number, a boolean, a map or a list. */
export type StackFileValue =
  string | number | boolean | readonly unknown[] | { readonly [key: string]: unknown };

/** A stack's `todo-app:*` settings without the namespace, as `Pulumi.<stack>.yaml` holds them. */
export type StackValues = Readonly<Record<string, StackFileValue>>;

export interface CliConfig {
  /** Every `todo-app:*` value the program reads, without the namespace: text, as the CLI hands it over. */
  readonly values: Record<string, string>;
  /** The keys the program sees as secret. */
  readonly secretKeys: string[];
}

/** What the CLI prints instead of running the program. */
export class CliConfigError extends Error {
  override name = "CliConfigError";
}

interface DeclaredKey {
  readonly type?: string;
  readonly items?: DeclaredItems;
  readonly default?: unknown;
  readonly value?: unknown;
  readonly secret?: boolean;
}
interface DeclaredItems {
  readonly type: string;
  readonly items?: DeclaredItems;
}

const PROJECT_FILE = path.resolve(__dirname, "..", "..", "Pulumi.yaml");

/** Pulumi.yaml's `config:` block, keyed as written (plain keys are in the project's namespace). */
export function declaredConfig(projectFile = PROJECT_FILE): Readonly<Record<string, DeclaredKey>> {
  const project = YAML.parse(fs.readFileSync(projectFile, "utf8")) as {
    config?: Record<string, DeclaredKey>;
  };
  return project.config ?? {};
}

interface ConfigValue {
  readonly text: string;
  readonly object: boolean;
}

/** `createConfigValue` for a project default, `MarshalString` for a stack file's value. */
function toConfigValue(value: unknown): ConfigValue {
  if (typeof value === "string") {
    return { text: value, object: false };
  }
  if (typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value))) {
    return { text: String(value), object: false };
  }
  return { text: JSON.stringify(sortKeys(value)), object: true };
}

/** Go's json.Marshal of a map writes its keys sorted. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const ATOI = /^[+-]?[0-9]+$/;

/** `ValidateConfigValue` of sdk/go/common/workspace/project.go. */
export function cliAcceptsValue(type: string, items: DeclaredItems | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (
        (typeof value === "number" && Number.isInteger(value)) ||
        (typeof value === "string" && ATOI.test(value) && Number.isSafeInteger(Number(value)))
      );
    case "boolean":
      return value === "true" || value === "false" || typeof value === "boolean";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return (
        Array.isArray(value) &&
        items !== undefined &&
        value.every((item) => cliAcceptsValue(items.type, items.items, item))
      );
  }
}

function typeName(type: string, items: DeclaredItems | undefined): string {
  return items ? `array<${typeName(items.type, items.items)}>` : type;
}

function unqualified(key: string): string {
  return key.startsWith(`${PROJECT_NAME}:`) ? key.slice(PROJECT_NAME.length + 1) : key;
}

export interface CliConfigOptions {
  /** Keys the stack stores encrypted (`config set --secret`). */
  readonly secretKeys?: readonly string[];
  readonly stackName?: string;
  readonly projectFile?: string;
  /**
   * false: merge the defaults without checking types, as `pulumi up --skip-config-validation` does
   * (`ApplyProjectConfig`), so the program's own checks can be shown on what the CLI would otherwise refuse.
   */
  readonly validate?: boolean;
  /**
   * false: as a project whose Pulumi.yaml declares the program's own default where this repository's shares a
   * `value:` (logLevel, rolloutTimeout, backendReadinessPath): what the team's own repository gets.
   */
  readonly sharedValues?: boolean;
}

/**
 * The configuration the program receives for a stack file holding `stack`, or the CliConfigError the CLI
 * would print instead.
 */
export function cliConfig(stack: StackValues, options: CliConfigOptions = {}): CliConfig {
  const stackName = options.stackName ?? "dev";
  const declared = declaredConfig(options.projectFile);
  const secret = new Set(options.secretKeys ?? []);
  const merged = new Map<string, ConfigValue>(
    Object.entries(stack).map(([key, value]) => [key, toConfigValue(value)]),
  );
  const missing: string[] = [];
  for (const key of Object.keys(declared).sort()) {
    const spec = declared[key];
    const plain = unqualified(key);
    if (merged.has(plain)) {
      continue;
    }
    const fallback =
      spec.value !== undefined && options.sharedValues === false
        ? CONFIG_KEYS[plain as ConfigKeyName]?.default
        : (spec.default ?? spec.value);
    if (fallback === undefined || fallback === null) {
      missing.push(key);
    } else {
      merged.set(plain, toConfigValue(fallback));
    }
  }
  if (missing.length > 0 && options.validate !== false) {
    // formatMissingKeys: 'a', 'b' and 'c'.
    const list = missing
      .map((k, i) =>
        i === missing.length - 1 && i > 0 ? `and '${k}'` : i === missing.length - 2 ? `'${k}' ` : `'${k}', `,
      )
      .join("")
      .replace(/, $/, "");
    throw new CliConfigError(
      `Stack '${stackName}' is missing configuration value${missing.length > 1 ? "s" : ""} ${list}`,
    );
  }
  for (const key of options.validate === false ? [] : Object.keys(declared).sort()) {
    const spec = declared[key];
    const value = merged.get(unqualified(key));
    if (value === undefined) {
      continue;
    }
    if (spec.secret === true && !secret.has(unqualified(key))) {
      throw new CliConfigError(
        `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`,
      );
    }
    if (spec.type === undefined) {
      continue;
    }
    const content: unknown = value.object ? JSON.parse(value.text) : value.text;
    if (!cliAcceptsValue(spec.type, spec.items, content)) {
      throw new CliConfigError(
        `Stack '${stackName}' with configuration key '${key}' must be of type '${typeName(spec.type, spec.items)}'`,
      );
    }
  }
  return {
    values: Object.fromEntries([...merged].map(([key, value]) => [key, value.text])),
    secretKeys: [...secret].filter((key) => merged.has(key)),
  };
}
