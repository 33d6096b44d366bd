/**
 * The Automation API side shared by the stack commands and the integration test: the Pulumi CLI that was located,
 * and a stack in this project with the passphrase secrets provider.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

import type { PulumiLocation } from "./prerequisites";

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

/** What to tell the user about a failed Pulumi command; its live output, if any, was already shown. */
export function explainPulumiError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const stderr = (error as { commandResult?: { stderr?: string } }).commandResult?.stderr?.trim();
  const text = stderr || message;
  if (/passphrase/i.test(text) && /incorrect|invalid|decrypt/i.test(text)) {
    return (
      "The passphrase does not decrypt this stack's secrets. Use the passphrase the stack was created with " +
      "(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)."
    );
  }
  return text.split(/\r?\n/).slice(-12).join("\n");
}
