/**
 * Where raw configuration comes from: the Pulumi runtime in a real run, a plain object in tests.
 */
import * as pulumi from "@pulumi/pulumi";

import { qualified } from "../catalog";
import { CONFIG_NAMESPACE } from "./problems";

export interface ConfigSource {
  /** The raw string of `todo-app:<key>`, or undefined when it is not set. */
  get(key: string): string | undefined;
  /** Whether the stack stores the key encrypted; undefined when that cannot be known. */
  isSecret(key: string): boolean | undefined;
  /** Every key set in the `todo-app` namespace, for catching typos. */
  keys(): string[];
}

/** The Pulumi runtime as a ConfigSource. */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const prefix = qualified("");
  // `isConfigSecret` is marked internal in the SDK, so it is feature-detected: without it the
  // plaintext check is skipped rather than guessed.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return {
    // `get`, not `getSecret`, for every key: the secret keys' plaintext is needed once, synchronously, to
    // validate it before anything is registered (an Output cannot be inspected then). readSecrets wraps each
    // in pulumi.secret straight away, and no message ever echoes one.
    get: (key) => config.get(key),
    isSecret: (key) =>
      typeof runtime.isConfigSecret === "function" ? runtime.isConfigSecret(prefix + key) : undefined,
    keys: () =>
      Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length)),
  };
}
