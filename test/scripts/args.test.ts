/** Which command and stack `npm run up|down|preview` works on, and where the state and passphrase come from. */
import { describe, expect, it } from "vitest";

import { parseInvocation } from "../../scripts/lib/args";
import { fileBackendUrl, resolveBackend } from "../../scripts/lib/backend";
import { UserError } from "../../scripts/lib/errors";
import { NO_PASSPHRASE_MESSAGE, resolvePassphrase } from "../../scripts/lib/passphrase";

describe("stack selection", () => {
  it("deploys the dev stack when nothing names one", () => {
    expect(parseInvocation(["up"], {})).toEqual({ command: "up", stack: "dev", stackSource: "default" });
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

  it("rejects an unknown command or flag with the usage", () => {
    expect(() => parseInvocation(["deploy"], {})).toThrow(/Usage: npm run up\|down\|preview/);
    expect(() => parseInvocation(["up", "--yes"], {})).toThrow(/Unknown argument "--yes"/);
    expect(() => parseInvocation(["up", "--stack"], {})).toThrow(/--stack needs a stack name/);
  });
});

describe("state backend", () => {
  it("keeps state inside the project by default, so no Pulumi Cloud account is needed", () => {
    expect(resolveBackend({}, "/home/dev/todo")).toEqual({
      url: "file:///home/dev/todo/.pulumi-state",
      localDir: "/home/dev/todo/.pulumi-state",
      source: "default",
    });
  });

  it("uses PULUMI_BACKEND_URL when it is set, and creates no local folder for it", () => {
    const backend = resolveBackend({ PULUMI_BACKEND_URL: "s3://team-state/todo" }, "/home/dev/todo");
    expect(backend).toEqual({ url: "s3://team-state/todo", source: "PULUMI_BACKEND_URL" });
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
