/**
 * Configuration validation, without the engine: every value that cannot work is refused with a message that
 * names the key, the bad value and what is accepted; secrets are never echoed.
 */
import * as path from "path";
import { describe, expect, it } from "vitest";

import { ConfigValidationError, Machine, Settings, loadSettings } from "../../config";
import { redactUrlCredentials, urlSummary } from "../../config/validate";
import { fileKindOf } from "../../host/machine";
import type { CommandResult } from "../../host/process";
import type { StackValues } from "../support/cliConfig";
import { DATABASE_URL, MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";
import { expectRefusedByCliAndProgram, source } from "./support";

function machine(
  run?: (command: string, args: readonly string[]) => CommandResult,
): Machine & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    projectDir: PROJECT_DIR,
    env: {},
    homedir: "/home/dev",
    exists: (file) => !file.includes("missing"),
    // The repository's own contexts and Dockerfiles are real; a TLS directory /certs is made up.
    kindOf: (file) =>
      file.includes("missing")
        ? "missing"
        : file === "/certs"
          ? "dir"
          : file.startsWith("/certs/")
            ? "file"
            : fileKindOf(file),
    readable: () => true,
    readKubeconfig: () => undefined,
    run: (command, args) => {
      calls.push([command, ...args].join(" "));
      return run ? run(command, args) : { status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" };
    },
  };
}

function load(values: StackValues, m: Machine = machine(), stack = "dev"): Settings {
  return loadSettings(source({ databaseUrl: DATABASE_URL, ...values }), m, stack);
}

function problemsOf(values: StackValues, m: Machine = machine()): string[] {
  try {
    load(values, m);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("defaults", () => {
  it("targets the minikube context, a namespace derived from the stack, 2 replicas and NodePort 30080", () => {
    const s = load({});
    expect(s).toMatchObject({
      kubeContext: "minikube",
      namespace: "todo-dev",
      replicas: 2,
      // Pulumi.yaml's value for this repository's stacks; the program's own default is info.
      logLevel: "debug",
      frontendNodePort: 30080,
      frontendUrl: "http://192.168.49.2:30080",
    });
    expect(s.backend.image.context).toBe(path.join(PROJECT_DIR, "app/backend"));
    expect(s.frontend.image.context).toBe(path.join(PROJECT_DIR, "app/frontend"));
    expect(s.backend.image.dockerfile).toBe(path.join(PROJECT_DIR, "docker/backend/Dockerfile"));
    expect(s.backend.readinessPath).toBe("/ready");
    // Without this repository's shared values, the program's own defaults.
    const plain = loadSettings(
      {
        get: (key) => (key === "databaseUrl" ? DATABASE_URL : undefined),
        isSecret: (key) => key === "databaseUrl",
        keys: () => ["databaseUrl"],
      },
      machine(),
      "dev",
    );
    expect(plain).toMatchObject({ logLevel: "info", rolloutTimeout: 600 });
    expect(plain.backend.readinessPath).toBe("/health");
  });

  it("folds a stack name that is not a valid namespace into one", () => {
    expect(load({}, machine(), "Alice_Feature.2").namespace).toBe("todo-alice-feature-2");
  });

  it("leaves the Cohere key and the auth secret unset (AI off, auth secret generated)", () => {
    const s = load({});
    expect(s.secrets.cohereApiKey).toBeUndefined();
    expect(s.secrets.betterAuthSecret).toBeUndefined();
  });
});

describe("bad input is refused before anything is registered", () => {
  it.each([
    ["namespace", "Todo_Dev", /todo-app:namespace = "Todo_Dev" is not valid: a DNS-1123 label/],
    ["namespace", "a".repeat(64), /todo-app:namespace = "a{64}" is not valid: a DNS-1123 label: at most 63/],
    ["namespace", "-todo", /todo-app:namespace = "-todo" is not valid/],
    ["namespace", "default", /todo-app:namespace = "default" is not valid: a namespace of this stack's own/],
    [
      "namespace",
      "kube-system",
      /todo-app:namespace = "kube-system" is not valid: a namespace of this stack's own/,
    ],
    ["replicas", "0", /todo-app:replicas = "0" is not valid: a whole number from 1 to 20/],
    [
      "frontendNodePort",
      "80",
      /todo-app:frontendNodePort = "80" is not valid: 0 .* or a whole number from 30000 to 32767/,
    ],
    ["frontendNodePort", "32768", /todo-app:frontendNodePort = "32768" is not valid/],
    ["frontendNodePort", "29999", /todo-app:frontendNodePort = "29999" is not valid/],
    [
      "logLevel",
      "verbose",
      /todo-app:logLevel = "verbose" is not valid: accepted values are debug, info, warning, error/,
    ],
    ["kubeContext", "", /todo-app:kubeContext = "" is not valid: the name of a context in your kubeconfig/],
    ["kubeContext", "   ", /todo-app:kubeContext = "" is not valid/],
    [
      "buildTarget",
      "cloud",
      /todo-app:buildTarget = "cloud" is not valid: accepted values are auto, minikube, docker, registry/,
    ],
    ["frontendUrl", "todo.example.com", /todo-app:frontendUrl = "todo.example.com" is not valid: an http/],
    [
      "backendContext",
      "app/missing",
      /todo-app:backendContext = "app\/missing" is not valid: a directory that exists/,
    ],
    [
      "frontendDockerfile",
      "docker/missing/Dockerfile",
      /todo-app:frontendDockerfile = .* a Dockerfile that exists/,
    ],
    [
      "backendBaseImage",
      "python:latest",
      /todo-app:backendBaseImage = "python:latest" is not valid: .*explicit tag/,
    ],
    ["backendBaseImage", "python", /todo-app:backendBaseImage = "python" is not valid/],
    [
      "backendReadinessPath",
      "ready",
      /todo-app:backendReadinessPath = "ready" is not valid: an absolute HTTP path/,
    ],
    [
      "dockerHost",
      "192.168.49.2:2376",
      /todo-app:dockerHost = "192.168.49.2:2376" is not valid \(it has no scheme:\/\/\): a Docker daemon address/,
    ],
    [
      "backendResources",
      { limits: { memory: "lots" } },
      /todo-app:backendResources.limits.memory = "lots" is not valid: a non-negative Kubernetes quantity/,
    ],
    [
      "frontendResources",
      { limit: {} },
      /todo-app:frontendResources.limit = "\{\}" is not valid: only requests and limits/,
    ],
    [
      "backendResources",
      { requests: { cpu: "2" }, limits: { cpu: "500m" } },
      /todo-app:backendResources.requests.cpu = "2" is not valid: a request may not exceed its limit \(limits.cpu is 500m\)/,
    ],
  ])("%s = %j", (key, value, message) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  // The CLI refuses a value of the wrong type before the program runs (test/support/cliConfig.ts); with
  // --skip-config-validation the program refuses it itself, naming the key.
  it.each([
    ["replicas", "1.5", "integer", /todo-app:replicas = "1.5" is not valid: a whole number from 1 to 20/],
    ["replicas", "two", "integer", /todo-app:replicas = "two" is not valid/],
    [
      "backendResources",
      "{bad json",
      "object",
      /todo-app:backendResources = "\{bad json" is not valid: an object like/,
    ],
    [
      "allowDatabaseReplacement",
      "yes",
      "boolean",
      /todo-app:allowDatabaseReplacement = "yes" is not valid: accepted values are true or false/,
    ],
  ])(
    "%s = %j is refused by the CLI's type check, and by the program without it",
    (key, value, type, message) => expectRefusedByCliAndProgram(key, value, type, message),
  );

  it("lists every problem at once, not just the first", () => {
    const problems = problemsOf({ replicas: "0", logLevel: "loud", namespace: "Bad" });
    expect(problems).toHaveLength(3);
  });

  it("never probes the machine (no `minikube` run) for an invalid configuration", () => {
    const m = machine();
    problemsOf({ replicas: "0" }, m);
    expect(m.calls).toEqual([]);
  });

  it("runs PostgreSQL in the cluster when databaseUrl is unset, and not when it is set", () => {
    const inCluster = loadSettings(source({}), machine(), "dev");
    expect(inCluster.database).toMatchObject({
      mode: "in-cluster",
      image: "postgres:16.6-bookworm",
      storageSize: "1Gi",
      storageClass: "",
      allowReplacement: false,
    });
    expect(inCluster.secrets.databaseUrl).toBeUndefined();
    expect(load({}).database).toEqual({ mode: "external", port: 5432 });
    expect(load({ databaseUrl: "postgresql://u:p@db.example.com:6543/todo" }).database).toEqual({
      mode: "external",
      port: 6543,
    });
  });

  it.each([
    ["postgresImage", "postgres", /todo-app:postgresImage = "postgres" is not valid: .*explicit tag/],
    ["postgresImage", "postgres:latest", /todo-app:postgresImage = "postgres:latest" is not valid/],
    ["postgresStorageSize", "big", /todo-app:postgresStorageSize = "big" is not valid: a storage quantity/],
    [
      "postgresStorageSize",
      "10",
      /todo-app:postgresStorageSize = "10" is not valid: a storage quantity of at least 64Mi/,
    ],
    [
      "postgresStorageClass",
      "Fast_SSD",
      /todo-app:postgresStorageClass = "Fast_SSD" is not valid: the name of a StorageClass/,
    ],
    [
      "postgresResources",
      { limits: { cpu: "fast" } },
      /todo-app:postgresResources.limits.cpu = "fast" is not valid/,
    ],
  ])("refuses database setting %s = %j", (key, value, message) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ["mysql://root:hunter2@db:3306/todo", /scheme is "mysql:"/],
    ["postgresql:///todo", /it has no host/],
    ["not a url", /it is not a URL/],
    ["postgresql+asyncpg://u:hunter2@db/todo", /scheme is "postgresql\+asyncpg:"/],
    ["postgresql:u:hunter2@h/d", /not in scheme:\/\/host form/],
    ["jdbc:postgresql://u:hunter2@h:5432/d", /scheme is "jdbc:"/],
    ["u:hunter2", /scheme is "u:"/],
    ["hunter2 only", /it is not a URL/],
  ])("refuses databaseUrl %s without printing its password", (url, reason) => {
    const problems = problemsOf({ databaseUrl: url });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/todo-app:databaseUrl \(.*; the value is not shown\) is not valid/);
    expect(problems[0]).toMatch(reason);
    expect(problems[0]).toContain("a PostgreSQL URL such as postgresql://");
    expect(problems[0]).not.toContain("hunter2");
  });

  it("accepts postgres:// and postgresql+psycopg2:// URLs", () => {
    expect(() => load({ databaseUrl: "postgres://u:p@db:5432/todo" })).not.toThrow();
    expect(() => load({ databaseUrl: "postgresql+psycopg2://u:p@db/todo" })).not.toThrow();
  });

  it("refuses a secret stored in plaintext, telling how to store it encrypted", () => {
    const m = machine();
    expect(() =>
      loadSettings(source({ databaseUrl: DATABASE_URL }, { plaintext: ["databaseUrl"] }), m, "dev"),
    ).toThrow(
      /todo-app:databaseUrl is stored in plaintext.*`npm run pulumi -- config rm databaseUrl`.*`npm run pulumi -- config set --secret databaseUrl`/s,
    );
  });

  it("refuses a betterAuthSecret shorter than 32 bytes without echoing it", () => {
    const problems = problemsOf({ betterAuthSecret: "short-secret" });
    expect(problems[0]).toMatch(
      /betterAuthSecret is 12 bytes long \(UTF-8; the value is not shown\); at least 32 bytes are required/,
    );
    expect(problems[0]).toContain("`npm run pulumi -- config rm betterAuthSecret`");
    expect(problems[0]).not.toContain("short-secret");
  });

  it("refuses a kubeContext that the kubeconfig does not have, listing the ones it has", () => {
    const m: Machine = {
      ...machine(),
      readKubeconfig: () => ({ contexts: [{ name: "kind-dev" }, { name: "prod" }], clusters: [] }),
    };
    const problems = problemsOf({}, m);
    expect(problems[0]).toMatch(
      /todo-app:kubeContext = "minikube" is not valid: a context of your kubeconfig \(\/home\/dev\/.kube\/config\): kind-dev, prod\. For minikube, run `minikube start` first/,
    );
  });

  it("accepts any context when no kubeconfig can be read (the provider reports it then)", () => {
    expect(() => load({ kubeContext: "elsewhere", buildTarget: "docker" })).not.toThrow();
  });

  it("refuses an unknown key and suggests the one that was meant", () => {
    const problems = problemsOf({ replica: "3" });
    expect(problems[0]).toMatch(
      /todo-app:replica is not a setting of this program; did you mean todo-app:replicas\?/,
    );
  });
});

describe("what is shown of a URL that can hold credentials", () => {
  it.each([
    ["postgresql://u:hunter2@db:5432/todo", "postgresql://db:5432"],
    ["postgresql://db/todo?sslmode=require&password=hunter2&sslpassword=x", "postgresql://db"],
    ["postgresql:u:hunter2@h/d", "postgresql:… (not shown)"],
    ["jdbc:postgresql://u:hunter2@h:5432/d", "jdbc:… (not shown)"],
    ["u:hunter2", "(not shown)"],
    ["SENTINEL:x@y", "(not shown)"],
    ["postgres://user:12345/x@h", "postgres://…"],
    ["hunter2", "(not shown)"],
    ["s3://AKIA:hunter2@bucket/path?region=eu", "s3://bucket"],
    ["https://token-hunter2@api.pulumi.com", "https://api.pulumi.com"],
  ])("%s shows as %s: the scheme and the host at most", (value, shown) => {
    expect(urlSummary(value)).toBe(shown);
    expect(urlSummary(value)).not.toContain("hunter2");
  });

  it("masks user:password@ in free text such as a CLI's error, a password with / and a bare token included", () => {
    expect(redactUrlCredentials("failed to open postgres://me:hunter2@db:5432/x: refused")).toBe(
      "failed to open postgres://****@db:5432/x: refused",
    );
    expect(redactUrlCredentials("dial postgres://u:pa/hunter2@h/d")).toBe("dial postgres://****@h/d");
    expect(redactUrlCredentials("clone https://hunter2@github.com/x")).toBe(
      "clone https://****@github.com/x",
    );
  });
});

describe("secrets", () => {
  it("come out as Pulumi secrets", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const s = load({ cohereApiKey: "co-123", betterAuthSecret: "x".repeat(32) });
    for (const output of [s.secrets.databaseUrl, s.secrets.cohereApiKey, s.secrets.betterAuthSecret]) {
      expect(await pulumi.isSecret(output!)).toBe(true);
    }
  });
});

describe("build target", () => {
  it("asks minikube for its Docker daemon and derives the node address from it", () => {
    const m = machine();
    const s = load({}, m);
    expect(m.calls).toContain("minikube -p minikube docker-env --shell none");
    expect(s.build).toMatchObject({ target: "minikube", docker: { host: "tcp://192.168.49.2:2376" } });
    expect(s.nodeHost).toBe("192.168.49.2");
  });

  it("uses the configured minikube profile", () => {
    const m = machine();
    load({ kubeContext: "work", buildTarget: "minikube", minikubeProfile: "work" }, m);
    expect(m.calls).toContain("minikube -p work docker-env --shell none");
  });

  it("tells the user to run `minikube start` when minikube is stopped", () => {
    const stopped = machine(() => ({
      status: 89,
      stdout: "",
      stderr:
        'X Exiting due to GUEST_STATUS: state: unknown state "minikube": docker container inspect minikube: exit status 1\nThe control-plane node minikube host is not running: state=Stopped',
    }));
    expect(() => load({}, stopped)).toThrow(/run `minikube start -p minikube`/);
  });

  it("explains how to install minikube when it is missing, and the alternatives", () => {
    const missing = machine(() => ({
      status: null,
      stdout: "",
      stderr: "",
      error: new Error("spawn minikube ENOENT"),
    }));
    expect(() => load({}, missing)).toThrow(
      /minikube command could not be run.*todo-app:dockerHost.*todo-app:buildTarget/s,
    );
  });

  it("skips minikube when dockerHost is given explicitly", () => {
    const m = machine();
    const s = load({ dockerHost: "tcp://10.0.0.5:2376", dockerCertPath: "/certs" }, m);
    expect(m.calls).toEqual([]);
    expect(s.build.docker).toEqual({ host: "tcp://10.0.0.5:2376", certPath: "/certs" });
  });

  it("requires registryServer for a remote cluster, and says why", () => {
    const problems = problemsOf({ kubeContext: "gke_acme_europe-west1_prod" });
    expect(problems[0]).toMatch(/buildTarget resolved to "registry" .*not a local cluster.*registryServer/);
    expect(problems[0]).toContain("`npm run pulumi -- config set --secret registryPassword`");
  });

  it("requires registry credentials for a remote cluster, before anything starts", () => {
    const problems = problemsOf({ kubeContext: "gke_acme_prod", registryServer: "ghcr.io/acme" });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /todo-app:registryUsername = "" is not valid: the user to push and pull with at ghcr.io\/acme/,
    );
    expect(problems[1]).toMatch(
      /todo-app:registryPassword is not set: set it with `npm run pulumi -- config set --secret registryPassword`/,
    );
  });

  it("does not ask for registry credentials when the registry is not used", () => {
    expect(() => load({ registryServer: "ghcr.io/acme" })).not.toThrow();
  });

  it("pushes to the configured registry with the password kept secret", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const s = load({
      kubeContext: "gke_acme_europe-west1_prod",
      registryServer: "ghcr.io/acme/",
      registryUsername: "bot",
      registryPassword: "ghp_token",
    });
    expect(s.build.target).toBe("registry");
    expect(s.build.registry).toMatchObject({ server: "ghcr.io/acme", host: "ghcr.io", username: "bot" });
    expect(await pulumi.isSecret(s.build.registry!.password)).toBe(true);
    expect(s.nodeHost).toBe("localhost");
  });
});
