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
import { type FileKind, fileKindOf } from "../../host/machine";
import { DATABASE_URL, MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";

export function source(values: Record<string, string>): ConfigSource {
  return {
    get: (key) => values[key],
    isSecret: (key) => (SECRET_KEY_NAMES as string[]).includes(key),
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

export function load(values: Record<string, string>, files: FakeFiles = {}): Settings {
  return loadSettings(source({ databaseUrl: DATABASE_URL, ...values }), machine(files), "dev");
}

export function problemsOf(values: Record<string, string>, files: FakeFiles = {}): string[] {
  try {
    load(values, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}
