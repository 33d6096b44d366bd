/**
 * The scripts print nothing that can hold a secret: the state backend by scheme and host alone, a failed
 * Pulumi command by its stderr with URL credentials masked (never its stdout, which can hold decrypted
 * configuration), the stack's configuration without any secret's value, and no empty passphrase accepted.
 */
import { describe, expect, it } from "vitest";

import { backendLabel, resolveBackend } from "../../scripts/lib/backend";
import { UserError } from "../../scripts/lib/errors";
import {
  EMPTY_PASSPHRASE_MESSAGE,
  requireNonEmptyPassphrase,
  resolvePassphrase,
} from "../../scripts/lib/passphrase";
import { plainConfigOf } from "../../scripts/lib/settings";
import { configEntries, explainPulumiError } from "../../scripts/lib/workspace";

const SENTINEL = "hunter2-sentinel";

describe("the state backend in messages", () => {
  it.each([
    [`postgres://admin:${SENTINEL}@state.example.com:5432/pulumi`, "postgres://state.example.com:5432"],
    [`s3://bucket?awssdk=v2&secret=${SENTINEL}`, "s3://bucket"],
    [`https://user:${SENTINEL}@api.pulumi.com`, "https://api.pulumi.com"],
  ])("shows %s as %s", (url, shown) => {
    const label = backendLabel(resolveBackend({ PULUMI_BACKEND_URL: url }, "/project"));
    expect(label).toBe(shown);
    expect(label).not.toContain(SENTINEL);
  });

  it("shows the project's own file backend by its path", () => {
    expect(backendLabel(resolveBackend({}, "/project"))).toBe("file:///project/.pulumi-state");
  });
});

describe("a failed Pulumi command", () => {
  it("is explained by its stderr, with credentials in URLs masked", () => {
    const error = Object.assign(new Error(`stdout: {"todo-app:databaseUrl":"${SENTINEL}"}`), {
      commandResult: {
        stdout: `{"todo-app:databaseUrl":"${SENTINEL}"}`,
        stderr: `error: dial postgres://u:${SENTINEL}@db:5432: refused`,
        code: 255,
      },
    });
    const text = explainPulumiError(error);
    expect(text).toContain("postgres://****@db:5432");
    expect(text).not.toContain(SENTINEL);
  });

  it("never falls back to the CLI's stdout (or the message that embeds it) when stderr is empty", () => {
    const error = Object.assign(new Error(`code: 1\n stdout: ${SENTINEL}\n stderr: `), {
      commandResult: { stdout: SENTINEL, stderr: "", code: 1 },
    });
    const text = explainPulumiError(error);
    expect(text).toBe("the Pulumi CLI failed (exit 1); its output is above");
  });
});

describe("the stack's configuration the scripts read", () => {
  // `pulumi config --json` without --show-secrets elides a secret's value ("If the value was a secret value and
  // we aren't showing secrets ... elide the value": pulumi/pulumi pkg/cmd/pulumi/config/config.go, the JSON
  // branch of listConfig); Automation API's getAllConfig passes --show-secrets (localWorkspace.js getAllConfig).
  it("holds the plain settings only: a secret's entry, shown or not, is left out", () => {
    const json = JSON.stringify({
      "todo-app:kubeContext": { value: "minikube", secret: false },
      "todo-app:databaseUrl": { value: SENTINEL, secret: true },
      "todo-app:cohereApiKey": { secret: true },
      "todo-app:backendResources": { value: '{"limits":{}}', objectValue: { limits: {} }, secret: false },
    });
    const plain = plainConfigOf(configEntries(json));
    expect(plain).toEqual({
      "todo-app:kubeContext": { value: "minikube" },
      "todo-app:backendResources": { value: '{"limits":{}}' },
    });
    expect(JSON.stringify(plain)).not.toContain(SENTINEL);
  });
});

describe("the passphrase", () => {
  const context = { interactive: false, readable: () => true };

  it("is refused when PULUMI_CONFIG_PASSPHRASE is set but empty", () => {
    expect(() => resolvePassphrase({ PULUMI_CONFIG_PASSPHRASE: "" }, context)).toThrow(
      new UserError(EMPTY_PASSPHRASE_MESSAGE),
    );
    expect(resolvePassphrase({ PULUMI_CONFIG_PASSPHRASE: "x" }, context)).toEqual({
      kind: "env",
      variable: "PULUMI_CONFIG_PASSPHRASE",
    });
  });

  it("is refused when typed empty at the prompt", () => {
    expect(() => requireNonEmptyPassphrase("")).toThrow(/empty passphrase protects no secret/);
    expect(requireNonEmptyPassphrase("s3cret")).toBe("s3cret");
  });
});
