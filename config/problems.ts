/**
 * How configuration problems are collected and reported: every problem of a stack at once, each naming the
 * key, the bad value (never a secret's) and what is accepted, thrown before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";

import { PROJECT_NAME, qualified } from "../catalog";

/** The Pulumi config namespace of this project (the `name` in Pulumi.yaml). */
export const CONFIG_NAMESPACE = PROJECT_NAME;

/** Collects every configuration problem before anything is registered, instead of failing on the first. */
export class ConfigProblems {
  private readonly messages: string[] = [];

  add(key: string, value: string, accepted: string): void {
    this.messages.push(`${qualified(key)} = ${JSON.stringify(value)} is not valid: ${accepted}.`);
  }

  /** For a missing required value or a problem whose value must not be echoed (a secret). */
  addRaw(message: string): void {
    this.messages.push(message);
  }

  get list(): readonly string[] {
    return this.messages;
  }

  throwIfAny(): void {
    if (this.messages.length > 0) {
      throw new ConfigValidationError(this.messages);
    }
  }
}

/**
 * Thrown by the config loader; its message lists every problem, one per line. A RunError, so Pulumi prints
 * the message alone, without a stack trace into the program.
 */
export class ConfigValidationError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (nothing was deployed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigValidationError";
  }
}
