/**
 * A value the stack stores encrypted is never echoed, whatever the key: someone who set `registryServer` with
 * `--secret` thought it secret. Credentials in `registryServer` are refused without echoing them either.
 */
import { describe, expect, it } from "vitest";

import { ConfigValidationError, type Machine, loadSettings } from "../../config";
import type { StackValues } from "../support/cliConfig";
import { DATABASE_URL, MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";
import { source } from "./support";

const SENTINEL = "hunter2-sentinel";
const machine: Machine = {
  projectDir: PROJECT_DIR,
  env: {},
  homedir: "/home/dev",
  exists: () => true,
  readKubeconfig: () => undefined,
  run: () => ({ status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" }),
};

function problemsOf(values: StackValues, secret: string[]): string[] {
  try {
    loadSettings(source(values, { secret }), machine, "dev");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("a value stored as a secret", () => {
  it("is never echoed in a problem, even for a key that is not secret by nature", () => {
    const problems = problemsOf({ databaseUrl: DATABASE_URL, dockerHost: `not a host ${SENTINEL}` }, [
      "dockerHost",
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^todo-app:dockerHost \(stored as a secret: the value is not shown\) is not valid/,
    );
    expect(problems[0]).not.toContain(SENTINEL);
  });
});

describe("registryServer with credentials in it", () => {
  it("is refused without echoing them", () => {
    const problems = problemsOf(
      { databaseUrl: DATABASE_URL, registryServer: `bot:${SENTINEL}@ghcr.io/acme`, buildTarget: "registry" },
      [],
    );
    expect(problems.join("\n")).toMatch(
      /todo-app:registryServer holds credentials \(the value is not shown\)/,
    );
    expect(problems.join("\n")).not.toContain(SENTINEL);
  });
});
