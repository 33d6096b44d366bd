/**
 * The Automation API side shared by the stack commands and the integration test: the Pulumi CLI that was located,
 * and a stack in this project with the passphrase secrets provider.
 */
import { redactUrlCredentials } from "../../config/validate";
import { spawnSync } from "child_process";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

import type { CommandResult } from "../../host/process";
import { UserError } from "./errors";
import type { PulumiLocation } from "./prerequisites";
import { type ConfigEntries, plainConfigOf } from "./settings";

/** The CLI on PATH, or the one the `pulumi` npm package downloaded (`<root>/bin/pulumi`). */
export function pulumiCommandFor(location: PulumiLocation): Promise<PulumiCommand> {
  return location.kind === "npm" ? PulumiCommand.get({ root: location.root }) : PulumiCommand.get();
}

export interface StackOptions {
  readonly stackName: string;
  readonly workDir: string;
  /** PULUMI_BACKEND_URL and, when prompted for, PULUMI_CONFIG_PASSPHRASE; added to the inherited environment. */
  readonly envVars: Record<string, string>;
  readonly pulumiCommand: PulumiCommand;
  /** Select only: `down` of a stack that does not exist is an error, not a new empty stack. */
  readonly mustExist?: boolean;
}

export function openStack(options: StackOptions): Promise<Stack> {
  const args = { stackName: options.stackName, workDir: options.workDir };
  const workspaceOptions = {
    envVars: options.envVars,
    // Used only when the stack is created: secrets are encrypted with the passphrase, no Pulumi Cloud needed.
    secretsProvider: "passphrase",
    pulumiCommand: options.pulumiCommand,
  };
  return options.mustExist
    ? LocalWorkspace.selectStack(args, workspaceOptions)
    : LocalWorkspace.createOrSelectStack(args, workspaceOptions);
}

/**
 * Runs the stack's own Pulumi CLI with the workspace's environment (state backend, passphrase, provider
 * variables), for the commands the Node Automation API has no method for (`pulumi state delete`). Arguments
 * are a list, never a shell string.
 */
export function runPulumiCli(stack: Stack, args: readonly string[]): CommandResult {
  const command = stack.workspace.pulumiCommand.command;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...stack.workspace.envVars,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (path.isAbsolute(command)) {
    // As the Automation API does: the CLI's own folder first, so it finds the plugins it ships with.
    env.PATH = `${path.dirname(command)}${path.delimiter}${env.PATH ?? ""}`;
  }
  const result = spawnSync(command, [...args], {
    cwd: stack.workspace.workDir,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    error: result.error,
  };
}

/**
 * `pulumi config --json` of the stack as entries: each value as the program gets it (a map or list as its JSON
 * text), and whether it is secret. Only stderr is ever reported: stdout can hold decrypted settings.
 */
function readConfigJson(stack: Stack, showSecrets: boolean): ConfigEntries {
  const result = runPulumiCli(stack, [
    "config",
    "--json",
    ...(showSecrets ? ["--show-secrets"] : []),
    "--stack",
    stack.name,
  ]);
  if (result.status !== 0) {
    throw new UserError(
      `Could not read the configuration of stack "${stack.name}": ` +
        redactUrlCredentials(
          (result.error?.message ?? result.stderr).trim().split(/\r?\n/).slice(-3).join(" "),
        ),
    );
  }
  return configEntries(result.stdout);
}

/** The entries of `pulumi config --json` output. */
export function configEntries(json: string): ConfigEntries {
  const parsed = JSON.parse(json) as Record<string, { value?: unknown; secret?: boolean }>;
  return Object.fromEntries(
    Object.entries(parsed).map(([key, entry]) => [
      key,
      { value: typeof entry.value === "string" ? entry.value : undefined, secret: entry.secret === true },
    ]),
  );
}

/**
 * Every setting of the stack exactly as `pulumi up` hands it to the program: Pulumi.yaml's defaults merged in
 * (`pulumi config` applies them as `up` does: pulumi/pulumi pkg/workspace/config.go ApplyProjectConfig), secrets
 * decrypted and marked. For the settings check before anything slow (scripts/lib/settings.ts), which needs the
 * secrets' text as the program does (a database URL's form, a secret's length, a plain value equal to a
 * secret). The text stays in this process's memory.
 */
export function readStackConfig(stack: Stack): ConfigEntries {
  return readConfigJson(stack, true);
}

/**
 * The stack's plain (not secret) settings, as `pulumi config --json` prints them without `--show-secrets`:
 * a secret's value never reaches this process. In the shape of `Stack.getAllConfig()`, secrets left out.
 */
export function readPlainConfig(stack: Stack): Record<string, { value: string }> {
  return plainConfigOf(readConfigJson(stack, false));
}

/**
 * What to tell the user about a failed Pulumi command; its live output, if any, was already shown. Only the
 * CLI's stderr is used, never its stdout (which can hold decrypted configuration), and credentials in URLs are
 * masked.
 */
export function explainPulumiError(error: unknown): string {
  const stderr = (error as { commandResult?: { stderr?: string } }).commandResult?.stderr?.trim();
  const code = (error as { commandResult?: { code?: number } }).commandResult?.code;
  const text = redactUrlCredentials(
    stderr ||
      (error instanceof Error && !("commandResult" in error)
        ? error.message
        : `the Pulumi CLI failed${code === undefined ? "" : ` (exit ${code})`}; its output is above`),
  );
  if (/passphrase/i.test(text) && /incorrect|invalid|decrypt/i.test(text)) {
    return (
      "The passphrase does not decrypt this stack's secrets. Use the passphrase the stack was created with " +
      "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)."
    );
  }
  return text.split(/\r?\n/).slice(-12).join("\n");
}
