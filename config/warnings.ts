/**
 * What is allowed but worth a word at every preview: settings that work and are probably not what a
 * production stack wants. Each warning names the key and never a secret's value.
 */
import { qualified } from "../catalog";
import type { ConfigReader } from "./reader";

/**
 * An external database URL without `sslmode`: libpq's default (`prefer`) falls back to an unencrypted
 * connection when the server offers no TLS, and verifies no certificate when it does.
 */
export function databaseUrlWarnings(config: ConfigReader): string[] {
  const value = config.secret("databaseUrl")?.trim();
  if (value === undefined) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return []; // refused by the secrets reader, with its own message
  }
  if (url.searchParams.has("sslmode")) return [];
  return [
    `${qualified("databaseUrl")} sets no sslmode, so libpq's default (prefer) may connect without TLS and ` +
      "checks no certificate: add ?sslmode=require (or verify-full, with the server's CA) to the URL " +
      "(`npm run pulumi -- config set --secret databaseUrl`).",
  ];
}
