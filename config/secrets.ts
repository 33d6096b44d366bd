/**
 * The secret settings. Their plaintext is looked at here once, to validate it before anything is registered,
 * and leaves this file only wrapped in `pulumi.secret`. Messages never echo a secret: a bad database URL is
 * shown with its password masked.
 */
import * as pulumi from "@pulumi/pulumi";

import { qualified } from "../catalog";
import type { ConfigReader } from "./reader";
import type { SecretSettings } from "./types";
import { POSTGRES_URL_ACCEPTED, postgresUrlProblem, urlSummary } from "./validate";

/**
 * The port of a valid databaseUrl, which is not secret: the NetworkPolicy of its clients opens only it. Called
 * only once readSecrets accepted the URL.
 */
export function databasePortOf(config: ConfigReader): number | undefined {
  const value = config.secret("databaseUrl");
  if (value === undefined || postgresUrlProblem(value.trim())) return undefined;
  const port = new URL(value.trim()).port;
  return port === "" ? DEFAULT_POSTGRES_PORT : Number(port);
}

/** The shortest betterAuthSecret, in UTF-8 bytes. */
export const BETTER_AUTH_SECRET_MIN_BYTES = 32;

/** A secret set to white space only: a paste gone wrong, which would otherwise reach the pods as is. */
export function blankSecret(key: string): string {
  return (
    `${qualified(key)} is set but holds only white space (the value is not shown): set it again with ` +
    `\`npm run pulumi -- config set --secret ${key}\`, or remove it with \`npm run pulumi -- config rm ${key}\`.`
  );
}

/** PostgreSQL's default port, for a URL that names none. */
const DEFAULT_POSTGRES_PORT = 5432;

export function readSecrets(config: ConfigReader): SecretSettings {
  const problems = config.problems;
  const result: {
    databaseUrl?: pulumi.Output<string>;
    cohereApiKey?: pulumi.Output<string>;
    betterAuthSecret?: pulumi.Output<string>;
  } = {};

  const databaseUrl = config.secret("databaseUrl");
  if (databaseUrl !== undefined && databaseUrl.trim() === "") {
    problems.addRaw(blankSecret("databaseUrl"));
  } else if (databaseUrl !== undefined) {
    const problem = postgresUrlProblem(databaseUrl.trim());
    if (problem) {
      problems.addRaw(
        `${qualified("databaseUrl")} (${urlSummary(databaseUrl)}; the value is not shown) is not valid (${problem}): ` +
          `expected ${POSTGRES_URL_ACCEPTED}.`,
      );
    } else {
      result.databaseUrl = pulumi.secret(databaseUrl.trim());
    }
  }

  const cohereApiKey = config.secret("cohereApiKey");
  if (cohereApiKey !== undefined) {
    if (cohereApiKey.trim() === "") {
      problems.addRaw(blankSecret("cohereApiKey"));
    } else {
      result.cohereApiKey = pulumi.secret(cohereApiKey);
    }
  }

  const betterAuthSecret = config.secret("betterAuthSecret");
  if (betterAuthSecret !== undefined) {
    // Counted in bytes: the secret keys an HMAC, whose strength is its bytes, and Better Auth's own check of
    // 32 counts UTF-16 units, so 16 emoji (64 bytes, 32 units) pass it while 31 characters of Latin-1 do not.
    const bytes = Buffer.byteLength(betterAuthSecret, "utf8");
    if (betterAuthSecret.trim() === "") {
      problems.addRaw(blankSecret("betterAuthSecret"));
    } else if (bytes < BETTER_AUTH_SECRET_MIN_BYTES) {
      problems.addRaw(
        `${qualified("betterAuthSecret")} is ${bytes} bytes long (UTF-8; the value is not shown); at least ` +
          `${BETTER_AUTH_SECRET_MIN_BYTES} bytes are required, e.g. \`openssl rand -base64 48\` ` +
          "(or remove it with `npm run pulumi -- config rm betterAuthSecret` to have one generated).",
      );
    } else {
      result.betterAuthSecret = pulumi.secret(betterAuthSecret);
    }
  }
  return result;
}
