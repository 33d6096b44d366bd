/**
 * Pure validators for stack configuration. Each returns the parsed value or pushes a message that names the
 * config key, the bad value and what is accepted, so a user can fix every problem from one failed preview.
 * Nothing here touches the Pulumi engine, so the rules are tested directly.
 */
import { ConfigProblems } from "./problems";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace (and most object names) must be an RFC 1123 label: what `kubectl` itself accepts. */
export function isDns1123Label(value: string): boolean {
  return value.length >= 1 && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A StorageClass (and most cluster-scoped names) is an RFC 1123 subdomain: dot-separated labels, at most 253. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every(isDns1123Label);
}

/** Namespaces every cluster shares; a stack must never take one over. */
export function isSharedNamespace(value: string): boolean {
  return value === "default" || value.startsWith("kube-");
}

/**
 * Derives a namespace from the stack name, so two developers' stacks on one cluster never collide.
 * Pulumi stack names allow characters (`_`, `.`, upper case) that a namespace does not, so they are folded.
 */
export function namespaceForStack(stack: string): string {
  const folded = `todo-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-");
  return folded.slice(0, 63).replace(/^-+|-+$/g, "");
}

/** Parses a whole number within [min, max]; Pulumi hands every config value to the program as a string. */
export function parseInteger(
  problems: ConfigProblems,
  key: string,
  raw: string,
  min: number,
  max: number,
  accepted: string,
): number {
  const trimmed = raw.trim();
  const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.add(key, raw, accepted);
    return min;
  }
  return value;
}

export function parseBoolean(problems: ConfigProblems, key: string, raw: string): boolean {
  if (raw === "true" || raw === "false") {
    return raw === "true";
  }
  problems.add(key, raw, "accepted values are true or false");
  return false;
}

export function parseEnum<T extends string>(
  problems: ConfigProblems,
  key: string,
  raw: string,
  allowed: readonly T[],
): T {
  if ((allowed as readonly string[]).includes(raw)) {
    return raw as T;
  }
  problems.add(key, raw, `accepted values are ${allowed.join(", ")}`);
  return allowed[0];
}

/**
 * Shows a connection URL without its password, so an error about a secret URL never prints the secret.
 * Anything that does not parse is reduced to its scheme (or to a placeholder).
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = "****";
    }
    // libpq also takes credentials as query parameters (password, sslpassword, ...).
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) {
        url.searchParams.set(key, "****");
      }
    }
    return url.toString();
  } catch {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
    return scheme ? `${scheme[1]}:…` : "<not a URL>";
  }
}

// The app connects with psycopg2 (SQLAlchemy's default PostgreSQL driver); an asyncpg URL would crash it.
const POSTGRES_SCHEMES = ["postgresql:", "postgres:", "postgresql+psycopg2:"];

/**
 * A PostgreSQL connection URL with a host: the only kind of database the app supports in a cluster.
 * Returns the reason it is rejected, or undefined when it is fine.
 */
export function postgresUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "it is not a URL";
  }
  if (!POSTGRES_SCHEMES.includes(url.protocol)) {
    return `its scheme is "${url.protocol}"`;
  }
  if (!url.hostname) {
    return "it has no host";
  }
  return undefined;
}

export const POSTGRES_URL_ACCEPTED =
  "a PostgreSQL URL such as postgresql://user:password@host:5432/todo (schemes: postgresql, postgres, " +
  "postgresql+psycopg2; a host is required)";

/** A URL a browser can open; used for `frontendUrl`. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
