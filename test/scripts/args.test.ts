/** Which command and stack `npm run up|down|preview` works on, and where the state and passphrase come from. */
import { describe, expect, it } from "vitest";

import { USAGE, parseInvocation, shortStackName } from "../../scripts/lib/args";
import { fileBackendUrl, resolveBackend, stackBackendProblem } from "../../scripts/lib/backend";
import { UserError } from "../../scripts/lib/errors";
import { NO_PASSPHRASE_MESSAGE, resolvePassphrase } from "../../scripts/lib/passphrase";

describe("stack selection", () => {
  it("deploys the dev stack when nothing names one", () => {
    expect(parseInvocation(["up"], {})).toEqual({
      command: "up",
      stack: "dev",
      stackSource: "default",
      deleteUnreachable: false,
    });
  });

  it("takes PULUMI_STACK from the environment", () => {
    expect(parseInvocation(["preview"], { PULUMI_STACK: "staging" })).toMatchObject({
      stack: "staging",
      stackSource: "PULUMI_STACK",
    });
  });

  it("lets --stack win over PULUMI_STACK, in both spellings", () => {
    const env = { PULUMI_STACK: "staging" };
    expect(parseInvocation(["down", "--stack", "ci-e2e"], env)).toMatchObject({
      command: "down",
      stack: "ci-e2e",
    });
    expect(parseInvocation(["up", "--stack=prod"], env)).toMatchObject({
      stack: "prod",
      stackSource: "--stack",
    });
  });

  it("rejects a stack name Pulumi would reject, saying where it came from", () => {
    expect(() => parseInvocation(["up"], { PULUMI_STACK: "my stack" })).toThrow(
      /"my stack" \(from PULUMI_STACK\)/,
    );
  });

  it("rejects an unknown command or flag in two lines that point at --help instead of printing it", () => {
    const messageOf = (argv: string[]): string => {
      try {
        parseInvocation(argv, {});
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(" ")} was accepted`);
    };
    expect(messageOf(["up", "--yes"])).toBe(
      'Unknown argument "--yes" for up.\nRun `npm run up -- --help` for the options.',
    );
    expect(messageOf(["down", "--stack"])).toBe(
      "--stack needs a stack name.\nRun `npm run down -- --help` for the options.",
    );
    expect(messageOf(["dev", "--frontend-port", "x"])).toMatch(
      /\nRun `npm run dev -- --help` for the options\.$/,
    );
    expect(messageOf(["deploy"])).toMatch(/^Unknown command "deploy": use up, down, preview, dev\./);
    for (const argv of [["up", "--yes"], ["down", "--stack"], ["dev", "--frontend-port", "x"], ["deploy"]]) {
      expect(messageOf(argv)).not.toContain("Usage:");
      expect(messageOf(argv).split("\n")).toHaveLength(2);
    }
  });

  // Pulumi's backends parse `stack`, `org/stack` and `org/project/stack` (pkg/backend/diy/store.go,
  // projectReferenceStore.ParseReference; pkg/backend/httpstate/backend.go, parseStackName), each part a
  // tokens.IsName: letters, digits, '-', '_' and '.'.
  it.each(["acme/dev", "organization/dev", "acme/todo-app/dev", "organization/todo-app/staging.eu"])(
    "accepts the fully qualified stack name %s and hands it to Pulumi unchanged",
    (name) => {
      expect(parseInvocation(["up", "--stack", name], {})).toMatchObject({ stack: name });
      expect(parseInvocation(["down"], { PULUMI_STACK: name })).toMatchObject({ stack: name });
    },
  );

  it("names the part of a qualified stack name that is wrong", () => {
    expect(() => parseInvocation(["up", "--stack", "ac me/dev"], {})).toThrow(
      /organization part "ac me" is not valid/,
    );
    expect(() => parseInvocation(["up", "--stack", "acme/todo app/dev"], {})).toThrow(
      /project part "todo app"/,
    );
    expect(() => parseInvocation(["up", "--stack", "acme/"], {})).toThrow(/stack part "" is not valid/);
    expect(() => parseInvocation(["up", "--stack", "a/b/c/d"], {})).toThrow(/at most two '\/'/);
  });

  it("refuses a qualified name of another project, which Pulumi would refuse against this Pulumi.yaml", () => {
    expect(() => parseInvocation(["up", "--stack", "acme/other/dev"], {})).toThrow(
      /project part "other" is not this project: use acme\/todo-app\/dev/,
    );
  });

  it("names the stack file after the stack's own name", () => {
    expect(shortStackName("organization/todo-app/dev")).toBe("dev");
    expect(shortStackName("acme/dev")).toBe("dev");
    expect(shortStackName("dev")).toBe("dev");
  });

  it("takes --delete-unreachable for down only", () => {
    expect(parseInvocation(["down", "--delete-unreachable"], {})).toMatchObject({ deleteUnreachable: true });
    expect(() => parseInvocation(["up", "--delete-unreachable"], {})).toThrow(
      /Unknown argument "--delete-unreachable" for up/,
    );
  });
});

describe("help", () => {
  it.each([
    ["up", "--help"],
    ["up", "-h"],
    ["preview", "--help"],
    ["down", "-h"],
  ] as const)("`npm run %s -- %s` asks for the usage, before any stack is validated", (command, flag) => {
    expect(parseInvocation([command, flag], { PULUMI_STACK: "not a stack" })).toEqual({
      command,
      help: true,
    });
    expect(parseInvocation([command, "--stack", "dev", flag, "--bogus"], {})).toEqual({
      command,
      help: true,
    });
  });

  it("lists every command, every flag, how the stack is chosen and the environment variables", () => {
    for (const text of [
      "npm run up",
      "npm run preview",
      "npm run down",
      "npm run pulumi -- ARGS",
      "-s, --stack NAME",
      "--delete-unreachable",
      "-h, --help",
      "ORG/todo-app/NAME",
      "$PULUMI_STACK, else dev",
      "PULUMI_BACKEND_URL",
      "PULUMI_CONFIG_PASSPHRASE",
      "PULUMI_CONFIG_PASSPHRASE_FILE",
      "KUBECONFIG",
      "MINIKUBE_HOME",
    ]) {
      expect(USAGE, text).toContain(text);
    }
  });
});

describe("state backend", () => {
  it("keeps state inside the project by default, so no Pulumi Cloud account is needed", () => {
    expect(resolveBackend({}, "/home/dev/todo")).toEqual({
      url: "file:///home/dev/todo/.pulumi-state",
      localDir: "/home/dev/todo/.pulumi-state",
      source: "default",
      kind: "diy",
    });
  });

  it("uses PULUMI_BACKEND_URL when it is set, and creates no local folder for it", () => {
    const backend = resolveBackend({ PULUMI_BACKEND_URL: "s3://team-state/todo" }, "/home/dev/todo");
    expect(backend).toEqual({ url: "s3://team-state/todo", source: "PULUMI_BACKEND_URL", kind: "diy" });
    expect(resolveBackend({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }, "/x").kind).toBe("cloud");
  });

  it("takes an organization on Pulumi Cloud, and only `organization` on a self-managed backend", () => {
    const diy = resolveBackend({}, "/home/dev/todo");
    const cloud = resolveBackend({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }, "/home/dev/todo");
    expect(stackBackendProblem("acme/dev", cloud)).toBeUndefined();
    expect(stackBackendProblem("acme/todo-app/dev", cloud)).toBeUndefined();
    expect(stackBackendProblem("dev", diy)).toBeUndefined();
    expect(stackBackendProblem("organization/todo-app/dev", diy)).toBeUndefined();
    expect(stackBackendProblem("acme/todo-app/dev", diy)).toMatch(
      /has no organizations.*Use "dev" or "organization\/todo-app\/dev"/,
    );
  });

  it("writes a Windows project path with forward slashes, as Pulumi's file backend expects", () => {
    expect(fileBackendUrl("C:\\Users\\dev\\todo\\.pulumi-state")).toBe(
      "file://C:/Users/dev/todo/.pulumi-state",
    );
  });
});

describe("secrets passphrase", () => {
  const everyFile = { interactive: false, readable: () => true };

  it("uses PULUMI_CONFIG_PASSPHRASE from the environment, even when a terminal could ask", () => {
    expect(
      resolvePassphrase({ PULUMI_CONFIG_PASSPHRASE: "s3cret" }, { ...everyFile, interactive: true }),
    ).toEqual({
      kind: "env",
      variable: "PULUMI_CONFIG_PASSPHRASE",
    });
  });

  it("uses PULUMI_CONFIG_PASSPHRASE_FILE when the file can be read", () => {
    expect(resolvePassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/pp" }, everyFile)).toMatchObject({
      kind: "file",
      file: "/run/secrets/pp",
    });
  });

  it("names the unreadable passphrase file instead of failing later inside Pulumi", () => {
    const context = { interactive: true, readable: () => false };
    expect(() => resolvePassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "/nope/pp" }, context)).toThrow(
      /PULUMI_CONFIG_PASSPHRASE_FILE points at \/nope\/pp/,
    );
  });

  it("asks on a terminal when neither variable is set", () => {
    expect(resolvePassphrase({}, { interactive: true, readable: () => true })).toEqual({ kind: "prompt" });
  });

  it("fails without a terminal, saying which variable to set", () => {
    let thrown: unknown;
    try {
      resolvePassphrase({}, everyFile);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as Error).message).toBe(NO_PASSPHRASE_MESSAGE);
    expect(NO_PASSPHRASE_MESSAGE).toMatch(/PULUMI_CONFIG_PASSPHRASE\b.*PULUMI_CONFIG_PASSPHRASE_FILE/s);
  });
});

describe("npm run dev's options", () => {
  it("forwards the frontend to its own port, the backend not at all, and keeps the stack by default", () => {
    expect(parseInvocation(["dev"], {})).toMatchObject({
      command: "dev",
      stack: "dev",
      dev: { frontendPort: 3000, backendPort: undefined, downOnExit: false },
    });
  });

  it("takes --forward-backend, --backend-port (which implies it), --frontend-port and --down-on-exit", () => {
    expect(parseInvocation(["dev", "--forward-backend"], {})).toMatchObject({ dev: { backendPort: 7860 } });
    expect(
      parseInvocation(
        [
          "dev",
          "--backend-port",
          "8000",
          "--forward-backend",
          "--frontend-port=8080",
          "--down-on-exit",
          "-s",
          "x",
        ],
        {},
      ),
    ).toMatchObject({ stack: "x", dev: { frontendPort: 8080, backendPort: 8000, downOnExit: true } });
  });

  it("refuses a bad port naming the flag and the value, and two forwards on one port", () => {
    expect(() => parseInvocation(["dev", "--frontend-port", "http"], {})).toThrow(
      /--frontend-port needs a port number from 1 to 65535, got "http"/,
    );
    expect(() => parseInvocation(["dev", "--backend-port=70000"], {})).toThrow(
      /--backend-port .* got "70000"/,
    );
    expect(() => parseInvocation(["dev", "--frontend-port"], {})).toThrow(/got ""/);
    expect(() => parseInvocation(["dev", "--frontend-port", "7860", "--forward-backend"], {})).toThrow(
      /both 7860/,
    );
  });

  it("keeps the dev flags to dev", () => {
    expect(() => parseInvocation(["up", "--down-on-exit"], {})).toThrow(
      /Unknown argument "--down-on-exit" for up/,
    );
    expect(parseInvocation(["up"], {})).not.toHaveProperty("dev");
  });

  it("documents every flag in --help", () => {
    for (const flag of ["--frontend-port", "--forward-backend", "--backend-port", "--down-on-exit"]) {
      expect(USAGE).toContain(flag);
    }
    expect(USAGE).toMatch(/npm run dev/);
  });
});
