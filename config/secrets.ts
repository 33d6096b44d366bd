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
  if (databaseUrl !== undefined) {
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
    result.cohereApiKey = pulumi.secret(cohereApiKey);
  }

  const betterAuthSecret = config.secret("betterAuthSecret");
  if (betterAuthSecret !== undefined) {
    if (betterAuthSecret.length < 32) {
      problems.addRaw(
        `${qualified("betterAuthSecret")} is ${betterAuthSecret.length} characters long; at least 32 are required ` +
          "(or remove it with `npm run pulumi -- config rm betterAuthSecret` to have one generated).",
      );
    } else {
      result.betterAuthSecret = pulumi.secret(betterAuthSecret);
    }
  }
  return result;
}
