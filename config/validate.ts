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
 * What may be shown of a URL that can hold credentials (a database URL, a state backend URL): the scheme and
 * the host at most, never a user, a password, a path or a query. A value that is not a URL with a host (a bare
 * `user:pw`, `postgresql:u:pw@h/d`, `jdbc:postgresql://...`, whose credentials URL parsing would not find)
 * shows its scheme alone, or nothing.
 */
export function urlSummary(value: string): string {
  const trimmed = value.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(trimmed);
  if (scheme) {
    try {
      const url = new URL(trimmed);
      if (url.host !== "" && url.protocol === `${scheme[1].toLowerCase()}:`) {
        return `${url.protocol}//${url.host}`;
      }
    } catch {
      // Not a URL Node can parse; only the scheme is safe to show.
    }
    return `${scheme[1]}://…`;
  }
  const bare = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
  return bare && !/\s/.test(bare[1]) ? `${bare[1]}:… (not shown)` : "(not shown)";
}

/** `scheme://user:password@` in free text (an error from a CLI), with the credentials masked. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/g, "$1****@");
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
  // `postgresql:u:pw@h/d` parses as an opaque URL with no host: not the form libpq reads.
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value)) {
    return "it is not in scheme://host form";
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
