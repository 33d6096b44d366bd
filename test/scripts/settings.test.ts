/**
 * `npm run up`, `preview` and `dev` check the stack's settings with the program's own validation, on the
 * configuration as `pulumi config --json --show-secrets` prints it (Pulumi.yaml's defaults merged in), before
 * minikube, Docker or a build is touched (scripts/lib/session.ts).
 */
import { describe, expect, it } from "vitest";

import { qualified } from "../../catalog";
import type { Machine } from "../../host/machine";
import { UserError } from "../../scripts/lib/errors";
import {
  type ConfigEntries,
  checkStackSettings,
  configSourceOf,
  plainConfigOf,
} from "../../scripts/lib/settings";
import { cliConfig, type StackValues } from "../support/cliConfig";
import { PROJECT_DIR } from "../support/program";

/**
 * What `pulumi config --json --show-secrets` prints for a stack file holding `stack`: the defaults merged as
 * `pulumi up` merges them (pulumi/pulumi pkg/workspace/config.go ApplyProjectConfig and mergeConfig, emulated
 * by test/support/cliConfig.ts), a map's value as its JSON text.
 */
function entriesOf(stack: StackValues, secretKeys: string[] = []): ConfigEntries {
  const { values, secretKeys: secret } = cliConfig(stack, { secretKeys });
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [qualified(key), { value, secret: secret.includes(key) }]),
  );
}

const ran: string[] = [];
const machine: Machine = {
  projectDir: PROJECT_DIR,
  env: {},
  homedir: "/home/dev",
  exists: () => true,
  readKubeconfig: () => undefined,
  run: (command, args) => {
    ran.push([command, ...args].join(" "));
    return { status: 0, stdout: "", stderr: "" };
  },
};

function refusal(stack: StackValues, secretKeys: string[] = []): string {
  try {
    checkStackSettings(entriesOf(stack, secretKeys), "dev", machine);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("expected the settings to be refused");
}

describe("the settings check before anything slow", () => {
  it("passes a fresh stack: nothing set but Pulumi.yaml's defaults", () => {
    expect(() => checkStackSettings(entriesOf({}), "dev", machine)).not.toThrow();
  });

  it("refuses a typo with every problem, naming the key, and says nothing was started", () => {
    const message = refusal({ replica: 3, logLevel: "verbose" });
    expect(message).toMatch(
      /^The settings of stack "dev" are not valid; nothing was started, built or deployed:/,
    );
    expect(message).toContain(
      "todo-app:replica is not a setting of this program; did you mean todo-app:replicas?",
    );
    expect(message).toContain('todo-app:logLevel = "verbose" is not valid');
    expect(message).toContain("npm run pulumi -- config set <key> <value>");
  });

  it("never echoes a secret's value, and never runs a command (minikube, docker)", () => {
    const message = refusal({ betterAuthSecret: "short-hunter2" }, ["betterAuthSecret"]);
    expect(message).toContain("todo-app:betterAuthSecret");
    expect(message).not.toContain("hunter2");
    expect(ran).toEqual([]);
  });

  it("reads the program's keys with their secretness, and leaves secrets out of the plain view", () => {
    const entries = entriesOf({ databaseUrl: "postgresql://u:p@h/d", replicas: 3 }, ["databaseUrl"]);
    const source = configSourceOf({ ...entries, "aws:region": { value: "eu-west-1" } });
    expect(source.get("replicas")).toBe("3");
    expect(source.isSecret("databaseUrl")).toBe(true);
    expect(source.keys()).not.toContain("aws:region");
    expect(plainConfigOf(entries)[qualified("databaseUrl")]).toBeUndefined();
    expect(plainConfigOf(entries)[qualified("replicas")]).toEqual({ value: "3" });
  });
});
