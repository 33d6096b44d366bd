/**
 * A config source and a machine for the config tests: the repository's real contexts and Dockerfiles, a
 * minikube that answers, and file kinds that a test may override path by path.
 */
import { expect } from "vitest";

import {
  type ConfigSource,
  ConfigValidationError,
  type Machine,
  SECRET_KEY_NAMES,
  type Settings,
  loadSettings,
} from "../../config";
import { CliConfigError, type StackValues, cliConfig } from "../support/cliConfig";
import { type FileKind, fileKindOf } from "../../host/machine";
import { DATABASE_URL, MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";

/**
 * A stack file holding `stack`, as the program reads it through the CLI (Pulumi.yaml's defaults merged in,
 * test/support/cliConfig.ts). Every secret key the stack sets is stored encrypted unless `plaintext` names it;
 * `secret` names other keys stored encrypted.
 */
export function source(
  stack: StackValues,
  stored: {
    readonly plaintext?: readonly string[];
    readonly secret?: readonly string[];
    /** false: as `--skip-config-validation` hands it over, so the program's own checks can be shown. */
    readonly validate?: boolean;
  } = {},
): ConfigSource {
  const secretKeys = [
    ...Object.keys(stack).filter(
      (k) => (SECRET_KEY_NAMES as string[]).includes(k) && !(stored.plaintext ?? []).includes(k),
    ),
    ...(stored.secret ?? []),
  ];
  const { values, secretKeys: secret } = cliConfig(stack, { secretKeys, validate: stored.validate });
  return {
    get: (key) => values[key],
    isSecret: (key) => secret.includes(key),
    keys: () => Object.keys(values),
  };
}

export interface FakeFiles {
  readonly kinds?: Readonly<Record<string, FileKind>>;
  readonly unreadable?: readonly string[];
}

export function machine(files: FakeFiles = {}): Machine {
  const kindOf = (file: string): FileKind => files.kinds?.[file] ?? fileKindOf(file);
  return {
    projectDir: PROJECT_DIR,
    env: {},
    homedir: "/home/dev",
    exists: (file) => kindOf(file) !== "missing",
    kindOf,
    readable: (file) => !(files.unreadable ?? []).includes(file),
    readKubeconfig: () => undefined,
    run: () => ({ status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" }),
  };
}

export function load(values: StackValues, files: FakeFiles = {}): Settings {
  return loadSettings(source({ databaseUrl: DATABASE_URL, ...values }), machine(files), "dev");
}

export function problemsOf(values: StackValues, files: FakeFiles = {}): string[] {
  try {
    load(values, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

/**
 * `key = value` is refused twice over: by the CLI's own type check, in its words, before the program runs
 * (test/support/cliConfig.ts), and, with that check skipped (`--skip-config-validation`), by the program
 * itself, with a problem matching `message`.
 */
export function expectRefusedByCliAndProgram(
  key: string,
  value: StackValues[string],
  type: string,
  message: RegExp | string,
  m: Machine = machine(),
): void {
  expect(() => load({ [key]: value })).toThrow(
    new CliConfigError(`Stack 'dev' with configuration key '${key}' must be of type '${type}'`),
  );
  expect(() =>
    loadSettings(source({ databaseUrl: DATABASE_URL, [key]: value }, { validate: false }), m, "dev"),
  ).toThrow(message);
}
