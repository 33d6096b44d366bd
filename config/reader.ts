/**
 * Reads settings by the key table: each key's type, default, range and accepted values come from
 * config/keys.ts, so a reader asks for `integer("replicas")` and gets the number or a problem that names the
 * key, the value and what is accepted. Every problem is collected, none thrown, until the loader decides.
 */
import { isDeepStrictEqual } from "util";

import { qualified } from "../catalog";
import { CONFIG_KEYS, CONFIG_KEY_NAMES, type ConfigKey, type ConfigKeyName } from "./keys";
import { ConfigProblems } from "./problems";
import type { ConfigSource } from "./source";
import { parseBoolean, parseEnum, parseInteger } from "./validate";

type Keys = typeof CONFIG_KEYS;
type KeysOfType<T> = { [K in ConfigKeyName]: Keys[K] extends T ? K : never }[ConfigKeyName];
type ChoiceKey = {
  [K in ConfigKeyName]: Keys[K] extends { values: readonly string[] } ? K : never;
}[ConfigKeyName];
type ChoiceOf<K extends ChoiceKey> = Keys[K] extends { values: readonly (infer V extends string)[] }
  ? V
  : never;

export class ConfigReader {
  readonly problems: ConfigProblems;

  constructor(private readonly source: ConfigSource) {
    this.problems = new ConfigProblems((key) => source.isSecret(key) === true);
  }

  /**
   * The value when the stack sets it to something other than the key's default, else undefined. The Pulumi
   * CLI merges Pulumi.yaml's declared defaults into every stack before the program runs (pulumi/pulumi
   * pkg/workspace/config.go, mergeConfig), so a key's presence says nothing: the rule of this program is that a
   * value equal to its default counts as unset. Every "was this set?" question goes through here.
   */
  get(key: ConfigKeyName): string | undefined {
    const value = this.source.get(key);
    return value === undefined || isDefaultValue(key, value) ? undefined : value;
  }

  /** The value as set, else the key's default as Pulumi.yaml declares it. */
  raw(key: ConfigKeyName): string {
    const value = this.source.get(key);
    if (value !== undefined) {
      return value;
    }
    const d: unknown = CONFIG_KEYS[key].default;
    return typeof d === "string" ? d : JSON.stringify(d);
  }

  /** The value, trimmed. */
  string(key: ConfigKeyName): string {
    return this.raw(key).trim();
  }

  /** A whole number within the key's range. */
  integer(key: KeysOfType<{ type: "integer" }>): number {
    const spec = CONFIG_KEYS[key];
    const accepted = "accepted" in spec ? spec.accepted : `a whole number from ${spec.min} to ${spec.max}`;
    return parseInteger(this.problems, key, this.raw(key), spec.min, spec.max, accepted);
  }

  boolean(key: KeysOfType<{ type: "boolean" }>): boolean {
    return parseBoolean(this.problems, key, this.raw(key));
  }

  /** One of the key's accepted values, after `normalize` (trimming always). */
  choice<K extends ChoiceKey>(key: K, normalize: (value: string) => string = (v) => v): ChoiceOf<K> {
    const values = CONFIG_KEYS[key].values as readonly string[] as readonly ChoiceOf<K>[];
    return parseEnum<ChoiceOf<K>>(this.problems, key, normalize(this.string(key)), values);
  }

  /** A secret's plaintext when it is set and not empty. Only config/secrets.ts and the registry reader call this. */
  secret(key: ConfigKeyName): string | undefined {
    const value = this.source.get(key);
    return value === undefined || value === "" ? undefined : value;
  }

  /**
   * The text of every secret the stack sets (a secret key, or any key stored encrypted), for refusing a plain
   * setting that repeats one. Secrets shorter than 8 characters are left out: matching them would refuse
   * ordinary words.
   */
  secretTexts(): string[] {
    return this.source
      .keys()
      .filter((key) => this.source.isSecret(key) === true || isSecretKey(key))
      .map((key) => this.source.get(key) ?? "")
      .filter((text) => text.trim().length >= 8);
  }

  /** Whether `text` holds the text of a configured secret (see secretTexts). */
  holdsSecret(text: string): boolean {
    return this.secretTexts().some((secret) => text.includes(secret));
  }

  /**
   * Refuses keys the program does not know (with a "did you mean") and secrets stored in plaintext, which
   * would sit in Pulumi.<stack>.yaml, in git and in every log of the config.
   */
  checkKeys(): void {
    for (const key of this.source.keys()) {
      if (!(CONFIG_KEY_NAMES as string[]).includes(key)) {
        const near = CONFIG_KEY_NAMES.find(
          (k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2,
        );
        this.problems.addRaw(
          `${qualified(key)} is not a setting of this program` +
            (near ? `; did you mean ${qualified(near)}?` : ".") +
            ` Known settings: ${CONFIG_KEY_NAMES.join(", ")}.`,
        );
      }
    }
    for (const key of CONFIG_KEY_NAMES) {
      const spec: ConfigKey = CONFIG_KEYS[key];
      const value = this.source.get(key) ?? "";
      // A plain string that repeats a secret would put it in Pulumi.<stack>.yaml, the state and the pod spec.
      // (Objects are checked field by field by their readers.)
      if (
        spec.type === "string" &&
        !spec.secret &&
        this.source.isSecret(key) !== true &&
        this.holdsSecret(value)
      ) {
        this.problems.addRaw(
          `${qualified(key)} holds the value of a configured secret (not shown): plain settings are stored in ` +
            "plain text. Give it a value of its own.",
        );
      }
      if (spec.secret && (this.source.get(key) ?? "") !== "" && this.source.isSecret(key) === false) {
        this.problems.addRaw(
          `${qualified(key)} is stored in plaintext; secrets must be encrypted. Remove it with ` +
            `\`npm run pulumi -- config rm ${key}\` and set it again with ` +
            `\`npm run pulumi -- config set --secret ${key}\` ` +
            "(no value on the command line: it prompts, so the secret stays out of shell history).",
        );
      }
    }
  }
}

function isSecretKey(key: string): boolean {
  return (
    (CONFIG_KEY_NAMES as string[]).includes(key) &&
    (CONFIG_KEYS[key as ConfigKeyName] as ConfigKey).secret === true
  );
}

/**
 * Whether `text` is the key's default in the form the CLI hands it over: a string as it is, a number or boolean
 * as its text, an object or list as JSON (compared by content, since the CLI writes a map's keys sorted).
 */
export function isDefaultValue(key: ConfigKeyName, text: string): boolean {
  const fallback: unknown = CONFIG_KEYS[key].default;
  if (typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean") {
    return text === String(fallback);
  }
  try {
    return isDeepStrictEqual(JSON.parse(text), fallback);
  } catch {
    return false;
  }
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i][j] = Math.min(
        dp[i - 1][j] + 1,
        dp[i][j - 1] + 1,
        dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return dp[a.length][b.length];
}
