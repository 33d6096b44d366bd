/**
 * How configuration problems are collected and reported: every problem of a stack at once, each naming the
 * key, the bad value (never a secret's) and what is accepted, thrown before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";

import { PROJECT_NAME, qualified } from "../catalog";
import { redactCredentials } from "./validate";

/** The Pulumi config namespace of this project (the `name` in Pulumi.yaml). */
export const CONFIG_NAMESPACE = PROJECT_NAME;

/** Collects every configuration problem before anything is registered, instead of failing on the first. */
export class ConfigProblems {
  private readonly messages: string[] = [];

  /**
   * @param storedAsSecret whether the stack stores a key encrypted: such a value is never echoed, whatever the
   *   key (`registryServer` set with `--secret` holds what its owner thought secret).
   */
  constructor(private readonly storedAsSecret: (key: string) => boolean = () => false) {}

  add(key: string, value: string, accepted: string): void {
    this.messages.push(`${qualified(key)} ${this.show(key, value)} is not valid: ${accepted}.`);
  }

  /** `= "value"` for a message, or a note that it is not shown when the stack stores the key encrypted. */
  show(key: string, value: string): string {
    // Credentials a plain value may carry (a URL's user and password) are masked whatever the key.
    return this.storedAsSecret(key.split(".")[0])
      ? "(stored as a secret: the value is not shown)"
      : `= ${JSON.stringify(redactCredentials(value))}`;
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
