/**
 * The configuration as the real Pulumi CLI hands it to the program (test/support/cliConfig.ts): Pulumi.yaml's
 * defaults merged into every stack, typed keys checked by the CLI first. Every stack this project documents or
 * tests loads with no problem that way, and the CLI's type check and the program's own agree on what a user
 * sees for a bad integer or boolean.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

import { CONFIG_KEYS, CONFIG_KEY_NAMES, ConfigProblems, loadSettings } from "../../config";
import { isDefaultValue } from "../../config/reader";
import { parseBoolean, parseInteger } from "../../config/validate";
import {
  CliConfigError,
  type StackValues,
  cliAcceptsValue,
  cliConfig,
  declaredConfig,
} from "../support/cliConfig";
import { DATABASE_URL, PROJECT_DIR } from "../support/program";
import { STACKS, stackFileConfig } from "../support/stacks";
import { load, machine, source } from "./support";

describe("the CLI's merge of Pulumi.yaml into a stack (pulumi/pulumi pkg/workspace/config.go mergeConfig)", () => {
  it("gives every declared key its default, as text, with objects and lists as JSON", () => {
    const { values } = cliConfig({});
    expect(values.replicas).toBe(String(CONFIG_KEYS.replicas.default));
    expect(values.exposeBackend).toBe("false");
    expect(values.backendEnv).toBe("{}");
    expect(values.backendSecrets).toBe(JSON.stringify(CONFIG_KEYS.backendSecrets.default));
    expect(Object.keys(values).sort()).toEqual([...CONFIG_KEY_NAMES].sort());
  });

  it("lets the stack's value win, and keeps a secret secret", () => {
    const { values, secretKeys } = cliConfig(
      { replicas: 3, databaseUrl: "postgresql://u:p@h/d", backendEnv: { B: "2", A: "1" } },
      { secretKeys: ["databaseUrl"] },
    );
    expect(values.replicas).toBe("3");
    // A map reaches the program as Go's json.Marshal writes it: keys sorted.
    expect(values.backendEnv).toBe('{"A":"1","B":"2"}');
    expect(secretKeys).toEqual(["databaseUrl"]);
  });

  it("refuses a value of the wrong type with the CLI's own message, before the program runs", () => {
    expect(() => cliConfig({ replicas: "two" })).toThrow(
      new CliConfigError("Stack 'dev' with configuration key 'replicas' must be of type 'integer'"),
    );
    expect(() => cliConfig({ backendSecrets: ["DATABASE_URL", 3] })).toThrow(
      "Stack 'dev' with configuration key 'backendSecrets' must be of type 'array<string>'",
    );
  });
});

describe("a setting's default counts as unset (config/reader.ts)", () => {
  const declared = declaredConfig();
  it.each(CONFIG_KEY_NAMES.map((key) => [key]))("%s: its merged default is its default", (key) => {
    // A project-wide `value:` (what this repository's stacks share) is a value someone chose: it counts as set.
    expect(isDefaultValue(key, cliConfig({}).values[key])).toBe(declared[key].value === undefined);
  });

  it("and a value the user chose is not", () => {
    expect(isDefaultValue("replicas", "3")).toBe(false);
    expect(isDefaultValue("ingressClass", "traefik")).toBe(false);
    expect(isDefaultValue("backendEnv", '{"A":"1"}')).toBe(false);
  });
});

/** Every stack file this repository holds, and every stack the tests run the whole program on. */
const committedStackFiles = fs
  .readdirSync(PROJECT_DIR)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => [f, stackFileConfig(path.join(PROJECT_DIR, f))] as const);

describe("every stack, loaded as the CLI hands it over", () => {
  it.each(Object.entries(STACKS))("%s loads with no problem", (_name, stack) => {
    expect(() => load(stack)).not.toThrow();
  });

  it.each(committedStackFiles)("%s loads with no problem (its documented secrets set)", (file, stack) => {
    // The cloud example names registryPassword as required; the rest are optional.
    const secrets: StackValues = file.includes("cloud") ? { registryPassword: "t0ken" } : {};
    expect(() => load({ ...stack, ...secrets })).not.toThrow();
  });
});

describe("the CLI's type check and the program's own agree on a bad integer or boolean", () => {
  // The CLI checks typed keys first (ValidateConfigValue: strconv.Atoi for an integer, "true"/"false" for a
  // boolean); the program checks again, since `pulumi up --skip-config-validation` skips the CLI's check. For
  // each text the two agree on whether it is a value of the type, so a user is never let through by one and
  // stopped by the other for the same reason.
  const integerTexts = [
    "3",
    "+3",
    "-3",
    "007",
    "two",
    "1.5",
    "1e3",
    "0x10",
    " 3",
    "3 ",
    "",
    "3_000",
    "9".repeat(20),
  ];
  const booleanTexts = ["true", "false", "yes", "no", "True", "TRUE", "1", "0", " true", "false ", ""];

  const programAcceptsInteger = (text: string) => {
    const problems = new ConfigProblems(() => false);
    parseInteger(
      problems,
      "replicas",
      text,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
      "a whole number",
    );
    return problems.list.length === 0;
  };
  const programAcceptsBoolean = (text: string) => {
    const problems = new ConfigProblems(() => false);
    parseBoolean(problems, "exposeBackend", text);
    return problems.list.length === 0;
  };

  it.each(integerTexts)("integer %j", (text) => {
    expect(programAcceptsInteger(text)).toBe(cliAcceptsValue("integer", undefined, text));
  });

  it.each(booleanTexts)("boolean %j", (text) => {
    expect(programAcceptsBoolean(text)).toBe(cliAcceptsValue("boolean", undefined, text));
  });

  it.each([
    ["replicas", "two", "integer", 'todo-app:replicas = "two" is not valid: a whole number from 1 to 20'],
    [
      "exposeBackend",
      "yes",
      "boolean",
      'todo-app:exposeBackend = "yes" is not valid: accepted values are true or false',
    ],
  ])(
    "%s = %s: the CLI's message, and the program's when the CLI's check is skipped",
    (key, text, type, message) => {
      expect(() => load({ [key]: text })).toThrow(
        new CliConfigError(`Stack 'dev' with configuration key '${key}' must be of type '${type}'`),
      );
      expect(() =>
        loadSettings(
          source({ databaseUrl: DATABASE_URL, [key]: text }, { validate: false }),
          machine(),
          "dev",
        ),
      ).toThrow(message);
    },
  );
});

describe("Pulumi.yaml", () => {
  it("declares each key's default as the key table does, or a project-wide value this repository shares", () => {
    const declared = declaredConfig();
    for (const key of CONFIG_KEY_NAMES) {
      const spec = declared[key];
      if (spec.value !== undefined) {
        expect(spec.default, key).toBeUndefined();
      } else {
        expect(spec.default, key).toEqual(CONFIG_KEYS[key].default);
      }
    }
  });
});
