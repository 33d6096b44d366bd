/**
 * How the passphrase secrets provider gets its passphrase. Pulumi itself reads PULUMI_CONFIG_PASSPHRASE or
 * PULUMI_CONFIG_PASSPHRASE_FILE; without either, an interactive user is asked once (hidden input) and the
 * answer is handed to Pulumi in the environment of its processes only. Without a terminal there is nobody to
 * ask, so the run stops and says which variable to set.
 */
import { UserError } from "./errors";

export type PassphraseSource =
  | { readonly kind: "env"; readonly variable: "PULUMI_CONFIG_PASSPHRASE" }
  | { readonly kind: "file"; readonly variable: "PULUMI_CONFIG_PASSPHRASE_FILE"; readonly file: string }
  | { readonly kind: "prompt" };

export interface PassphraseContext {
  /** Whether stdin and stdout are a terminal, so a hidden prompt can be shown and answered. */
  readonly interactive: boolean;
  /** Whether a file exists and can be read. */
  readonly readable: (file: string) => boolean;
}

export const NO_PASSPHRASE_MESSAGE =
  "No passphrase for the stack's secrets, and no terminal to ask for one. Set PULUMI_CONFIG_PASSPHRASE " +
  "(export PULUMI_CONFIG_PASSPHRASE='...') or PULUMI_CONFIG_PASSPHRASE_FILE (a file holding it) and run again. " +
  "Use the passphrase the stack was created with; a new stack is encrypted with the one you give now.";

export const EMPTY_PASSPHRASE_MESSAGE =
  "PULUMI_CONFIG_PASSPHRASE is set but empty (or only white space), and an empty passphrase protects no secret: set it to the stack's " +
  "passphrase (or unset it to be asked for one).";

/** Refuses an empty answer to the passphrase prompt, for the same reason. */
export function requireNonEmptyPassphrase(value: string): string {
  if (value.trim() === "") {
    throw new UserError(
      "The passphrase is empty, and an empty passphrase protects no secret: run again and type one.",
    );
  }
  return value;
}

export function resolvePassphrase(env: NodeJS.ProcessEnv, context: PassphraseContext): PassphraseSource {
  // Pulumi would accept an empty PULUMI_CONFIG_PASSPHRASE and encrypt every secret with it, which protects
  // nothing: it is refused, so a variable exported by mistake as "" never becomes a stack's passphrase.
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
    if (env.PULUMI_CONFIG_PASSPHRASE.trim() === "") {
      throw new UserError(EMPTY_PASSPHRASE_MESSAGE);
    }
    return { kind: "env", variable: "PULUMI_CONFIG_PASSPHRASE" };
  }
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE?.trim();
  if (file) {
    if (!context.readable(file)) {
      throw new UserError(
        `PULUMI_CONFIG_PASSPHRASE_FILE points at ${file}, which does not exist or cannot be read. ` +
          "Fix the path, or set PULUMI_CONFIG_PASSPHRASE instead.",
      );
    }
    return { kind: "file", variable: "PULUMI_CONFIG_PASSPHRASE_FILE", file };
  }
  if (context.interactive) {
    return { kind: "prompt" };
  }
  throw new UserError(NO_PASSPHRASE_MESSAGE);
}
