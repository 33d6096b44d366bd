/**
 * The settings that fit the program to an app of one's own: extra build args and env, the secrets each
 * service reads, and an exposed backend. Every bad value is refused before anything is registered, naming the
 * key; placeholders resolve to the addresses known at preview.
 */
import { describe, expect, it } from "vitest";

import { ConfigValidationError, type Machine, loadSettings } from "../../config";
import { withNextPublicEnv } from "../../config/services";
import type { StackValues } from "../support/cliConfig";
import { DATABASE_URL, MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";
import { expectRefusedByCliAndProgram, source } from "./support";

const machine: Machine = {
  projectDir: PROJECT_DIR,
  env: {},
  homedir: "/home/dev",
  exists: () => true,
  readKubeconfig: () => undefined,
  run: () => ({ status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" }),
};

const load = (values: StackValues) =>
  loadSettings(source({ databaseUrl: DATABASE_URL, ...values }), machine, "dev");

function problemsOf(values: StackValues): string[] {
  try {
    load(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("defaults", () => {
  it("give the backend every secret and the frontend none, no extra env, and no exposed backend", () => {
    const s = load({});
    expect(s.backend.secrets).toEqual(["DATABASE_URL", "BETTER_AUTH_SECRET", "COHERE_API_KEY"]);
    expect(s.frontend.secrets).toEqual([]);
    expect(s.backend.env).toEqual({});
    expect(s.frontend.env).toEqual({});
    expect(s.backend.expose).toBeUndefined();
    expect(s.backendPublicUrl).toBeUndefined();
    expect(s.frontend.image.buildArgs).toEqual({});
  });
});

describe("placeholders", () => {
  it("resolve {frontendUrl} and {backendPublicUrl} to minikube's address and the NodePorts", () => {
    const s = load({
      exposeBackend: "true",
      frontendBuildArgs: { NEXT_PUBLIC_API_URL: "{backendPublicUrl}/api", BUILD_ID: "7" },
      frontendEnv: { BETTER_AUTH_URL: "{frontendUrl}" },
      backendEnv: { CORS_ORIGINS: "{frontendUrl}" },
    });
    expect(s.backendPublicUrl).toBe("http://192.168.49.2:30081");
    expect(s.backend.expose).toEqual({ nodePort: 30081 });
    expect(s.frontend.image.buildArgs).toEqual({
      NEXT_PUBLIC_API_URL: "http://192.168.49.2:30081/api",
      BUILD_ID: "7",
      // The program's frontend Dockerfile writes these lines to .env.production.local for `next build`.
      NEXT_PUBLIC_ENV: "NEXT_PUBLIC_API_URL=http://192.168.49.2:30081/api",
    });
    expect(s.frontend.env).toEqual({ BETTER_AUTH_URL: "http://192.168.49.2:30080" });
    expect(s.backend.env).toEqual({ CORS_ORIGINS: "http://192.168.49.2:30080" });
  });

  it("use the configured public URLs when there are some", () => {
    const s = load({
      frontendUrl: "https://todo.example.com",
      backendPublicUrl: "https://api.todo.example.com",
      frontendBuildArgs: {
        NEXT_PUBLIC_API_URL: "{backendPublicUrl}",
        NEXT_PUBLIC_APP_URL: "{frontendUrl}",
      },
    });
    expect(s.frontend.image.buildArgs.NEXT_PUBLIC_ENV).toBe(
      "NEXT_PUBLIC_API_URL=https://api.todo.example.com\nNEXT_PUBLIC_APP_URL=https://todo.example.com",
    );
  });

  it("keeps base-image build args beside the setting's", () => {
    const s = load({
      backendBaseImage: "mirror.local/python:3.11-slim",
      backendBuildArgs: { APP_MODULE: "main:app" },
    });
    expect(s.backend.image.buildArgs).toEqual({
      PYTHON_IMAGE: "mirror.local/python:3.11-slim",
      APP_MODULE: "main:app",
    });
  });

  it.each([
    [
      { backendBuildArgs: { API: "{backendPublicUrl}" } },
      /todo-app:backendBuildArgs.API uses \{backendPublicUrl\}, which is not known before the deploy: set exposeBackend to true/,
    ],
    [
      { exposeBackend: "true", backendNodePort: "0", frontendEnv: { API: "{backendPublicUrl}" } },
      /todo-app:frontendEnv.API uses \{backendPublicUrl\}.*set backendPublicUrl, or a fixed backendNodePort/,
    ],
    [
      { frontendNodePort: "0", frontendEnv: { BETTER_AUTH_URL: "{frontendUrl}" } },
      /todo-app:frontendEnv.BETTER_AUTH_URL uses \{frontendUrl\}.*set frontendUrl, or a fixed frontendNodePort/,
    ],
  ])("that cannot be known at preview are refused, naming the setting: %j", (values, message) => {
    const problems = problemsOf(values);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("NEXT_PUBLIC_ENV lists only the NEXT_PUBLIC_* args, sorted, and is absent without any", () => {
    expect(withNextPublicEnv({ B: "1" })).toEqual({ B: "1" });
    expect(withNextPublicEnv({ NEXT_PUBLIC_Z: "z", NEXT_PUBLIC_A: "a", X: "x" }).NEXT_PUBLIC_ENV).toBe(
      "NEXT_PUBLIC_A=a\nNEXT_PUBLIC_Z=z",
    );
  });
});

describe("bad values are refused before anything is registered, naming the key", () => {
  it.each([
    [
      "frontendEnv",
      { "BAD-NAME": "x" },
      /todo-app:frontendEnv.BAD-NAME = "BAD-NAME" is not valid: a name of letters/,
    ],
    [
      "backendEnv",
      { NESTED: { a: 1 } },
      /todo-app:backendEnv.NESTED is a map \(not shown\): a plain string is accepted/,
    ],
    ["backendEnv", { MULTI: "a\nb" }, /todo-app:backendEnv.MULTI = "a\\nb" is not valid: a single line/],
    [
      "backendEnv",
      { X: "{backendUrl}" },
      /todo-app:backendEnv.X = "\{backendUrl\}" is not valid: only the placeholders \{frontendUrl\} and \{backendPublicUrl\}/,
    ],
    [
      "backendEnv",
      { DATABASE_URL: "x" },
      /todo-app:backendEnv.DATABASE_URL = "DATABASE_URL" is not valid: another name: DATABASE_URL is set by the program itself/,
    ],
    ["frontendEnv", { HOSTNAME: "x" }, /todo-app:frontendEnv.HOSTNAME .*set by the program itself/],
    ["frontendEnv", { FRONTEND_URL: "x" }, /todo-app:frontendEnv.FRONTEND_URL .*set by the program itself/],
    [
      "backendBuildArgs",
      { PYTHON_IMAGE: "python:3.12" },
      /todo-app:backendBuildArgs.PYTHON_IMAGE .*the base image is set with backendBaseImage/,
    ],
    [
      "frontendBuildArgs",
      { NEXT_PUBLIC_ENV: "x" },
      /todo-app:frontendBuildArgs.NEXT_PUBLIC_ENV .*filled by the program/,
    ],
    [
      "backendSecrets",
      ["DATABASE_URL", "AWS_KEY"],
      /todo-app:backendSecrets = .* is not valid: a list of DATABASE_URL, BETTER_AUTH_SECRET, COHERE_API_KEY/,
    ],
    ["frontendSecrets", ["DATABASE_URL", "DATABASE_URL"], /todo-app:frontendSecrets = .*each at most once/],
    [
      "backendNodePort",
      "8080",
      /todo-app:backendNodePort = "8080" is not valid: 0 \(Kubernetes picks a free port\) or a whole number from 30000 to 32767/,
    ],
    ["backendNodePort", "40000", /todo-app:backendNodePort = "40000" is not valid/],
    [
      "backendPublicUrl",
      "api.example.com",
      /todo-app:backendPublicUrl = "api.example.com" is not valid: an http:\/\/ or https:\/\/ URL/,
    ],
  ])("%s = %s", (key, value, message) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  // The CLI checks each typed key before the program runs (test/support/cliConfig.ts); with
  // --skip-config-validation it does not, and the program refuses the same values itself, naming the key.
  it.each([
    [
      "backendBuildArgs",
      [1, 2],
      "object",
      /todo-app:backendBuildArgs = "\[1,2\]" is not valid: an object of names to plain strings/,
    ],
    ["frontendEnv", "{not json", "object", /todo-app:frontendEnv = "\{not json" is not valid/],
    [
      "frontendSecrets",
      "DATABASE_URL",
      "array<string>",
      /todo-app:frontendSecrets = "DATABASE_URL" is not valid: a list of/,
    ],
    [
      "exposeBackend",
      "yes",
      "boolean",
      /todo-app:exposeBackend = "yes" is not valid: accepted values are true or false/,
    ],
  ])(
    "%s = %j is refused by the CLI's type check, and by the program without it",
    (key, value, type, message) => expectRefusedByCliAndProgram(key, value, type, message, machine),
  );

  it("refuses an exposed backend on the frontend's NodePort", () => {
    expect(problemsOf({ exposeBackend: "true", backendNodePort: "30080" })[0]).toMatch(
      /todo-app:backendNodePort = "30080" is not valid: a NodePort other than frontendNodePort's/,
    );
  });

  it.each(["AUTH_SECRET", "DB_PASSWORD", "GITHUB_TOKEN", "OPENAI_API_KEY", "AWS_ACCESS_KEY_ID"])(
    "refuses %s as a plain build arg or env name, without echoing its value",
    (name) => {
      for (const key of ["backendBuildArgs", "frontendEnv"]) {
        const problems = problemsOf({ [key]: { [name]: "sentinel-value-123" } });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(`todo-app:${key}.${name} looks like a secret`);
        expect(problems[0]).not.toContain("sentinel-value-123");
      }
    },
  );

  it("accepts a NEXT_PUBLIC_ name that merely contains KEY (it is public by definition)", () => {
    expect(
      load({ frontendBuildArgs: { NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_test" } }).frontend.image.buildArgs,
    ).toMatchObject({ NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_test" });
  });
});
