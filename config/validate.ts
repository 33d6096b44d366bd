/**
 * Pure validators for stack configuration. Each returns the parsed value or pushes a message that names the
 * config key, the bad value and what is accepted, so a user can fix every problem from one failed preview.
 * Nothing here touches the Pulumi engine, so the rules are tested directly.
 */
import type { ConfigProblems } from "./problems";

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

/**
 * Parses a whole number within [min, max]; Pulumi hands every config value to the program as a string. The
 * text is what the CLI's own check of an integer-typed key accepts (pulumi/pulumi sdk/go/common/workspace/
 * project.go ValidateConfigValue: strconv.Atoi, so a sign and leading zeros, no spaces), so the two agree.
 */
export function parseInteger(
  problems: ConfigProblems,
  key: string,
  raw: string,
  min: number,
  max: number,
  accepted: string,
): number {
  const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.add(key, raw, accepted);
    return min;
  }
  return value;
}

/** "true" or "false", exactly: what the CLI's check of a boolean-typed key accepts (ValidateConfigValue). */
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
  const hierarchical = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(trimmed);
  if (hierarchical) {
    const [, scheme, rest] = hierarchical;
    const authorityEnd = rest.search(/[/?#]/);
    const afterAuthority = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
    // An `@` past the authority means the URL parser may have split a password in two (`u:12345/x@h`): the
    // host it found could be part of the secret, so only the scheme is shown.
    if (!afterAuthority.includes("@")) {
      try {
        const url = new URL(trimmed);
        if (url.host !== "" && url.protocol === `${scheme.toLowerCase()}:`) {
          return `${url.protocol}//${url.host}`;
        }
      } catch {
        // Not a URL Node can parse; only the scheme is safe to show.
      }
    }
    return `${scheme}://…`;
  }
  // Without `//` the part before the first `:` may be a user name (`user:pw`): shown only when it is a scheme
  // a connection or state URL really uses.
  const bare = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
  return bare && KNOWN_SCHEMES.includes(bare[1].toLowerCase()) ? `${bare[1]}:… (not shown)` : "(not shown)";
}

const KNOWN_SCHEMES = [
  "postgres",
  "postgresql",
  "postgresql+psycopg2",
  "postgresql+asyncpg",
  "jdbc",
  "mysql",
  "http",
  "https",
  "file",
  "s3",
  "gs",
  "azblob",
];

/** `scheme://user:password@` in free text (an error from a CLI), with the credentials masked. */
export function redactUrlCredentials(text: string): string {
  // Everything up to the last `@` before white space: a password may hold `/` or `:`, a token has no `:`.
  return text.replace(/\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s@]*@/g, "$1****@");
}

/**
 * Whether `text` carries credentials a URL can hold: a `scheme://user:password@` (any scheme), a
 * `http(s)://token@` (a token alone is how private package indexes and git hosts take one), or a bare
 * `user:password@host` (what a host setting gets when a URL is pasted without its scheme). An ssh user alone
 * (`ssh://deploy@host`) is no credential.
 */
export function hasCredentials(text: string): boolean {
  for (const match of text.matchAll(/\b([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^\s/?#]*)@/g)) {
    const [, scheme, userinfo] = match;
    if (userinfo.includes(":") || /^https?$/i.test(scheme)) return true;
  }
  return /^[^\s/:@]+:[^\s/@]*@/.test(text.trim());
}

/** `text` as a message may show it: URL credentials and a leading `user:password@` replaced by `****`. */
export function redactCredentials(text: string): string {
  return redactUrlCredentials(text).replace(/^(\s*)[^\s/:@]+:[^\s/@]*@/, "$1****@");
}

/**
 * The first character of `value` outside printable ASCII, by its 1-based position in code points and its code
 * point: a look-alike (Cyrillic `о` for Latin `o`) or an invisible one, which a terminal does not tell apart.
 */
export function nonAsciiCharacter(value: string): { position: number; codePoint: string } | undefined {
  let position = 0;
  for (const char of value) {
    position++;
    if (!/^[\x21-\x7e]$/.test(char)) {
      const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      return { position, codePoint: `U+${hex}` };
    }
  }
  return undefined;
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

/**
 * A URL that ends up published (a ConfigMap, a stack output, a browser's address bar) must not carry a user or
 * password: both would be readable by everyone who can read the namespace or the stack. The message shows the
 * scheme and host only.
 */
export function publishedUrlProblem(value: string): string | undefined {
  if (!isHttpUrl(value)) return "an http:// or https:// URL with a host";
  const url = new URL(value);
  if (url.username !== "" || url.password !== "") {
    return (
      "a URL without a user or password (this one embeds credentials): it is published in the app's " +
      "ConfigMap and the stack outputs, so a credential in it would be readable by anyone who can read either"
    );
  }
  return undefined;
}

/**
 * Characters that do not show when a name is printed: controls (C0, DEL, C1), format characters (zero-width
 * space and joiners, the BOM, bidirectional marks), line and paragraph separators, and space characters other
 * than the ASCII space, as well as Hangul fillers and other default-ignorable code points that render blank.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\u115F\u1160\u3164\uFFA0]/u;
/** Combining marks that render as nothing on their own: the grapheme joiner and the variation selectors. */
const isBlankMark = (cp: number) =>
  cp === 0x034f || (cp >= 0x180b && cp <= 0x180f) || (cp >= 0xfe00 && cp <= 0xfe0f);

/**
 * The first invisible character of `value`, by its 1-based position in code points and its code point
 * (`U+200B`), or undefined when every character shows.
 */
export function invisibleCharacter(value: string): { position: number; codePoint: string } | undefined {
  // Leading and trailing ASCII white space is trimmed by the readers (a pasted newline), so it is no mistake;
  // everything else counts, at its position in the value as set. String.trim would also drop a no-break space.
  const lead = /^[ \t\r\n]*/.exec(value)![0].length;
  const core = value.slice(lead).replace(/[ \t\r\n]+$/, "");
  let position = lead;
  for (const char of core) {
    position++;
    if (INVISIBLE.test(char) || isBlankMark(char.codePointAt(0)!)) {
      const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      return { position, codePoint: `U+${hex}` };
    }
  }
  return undefined;
}

/**
 * minikube's own rule for a profile name (pkg/minikube/config/profile.go, ProfileNameValid): dot-separated
 * labels of letters, digits and inner '-', more than one character (a one-letter name breaks the docker
 * driver's volume, minikube#9366); and not one of its command words (ProfileNameInReservedKeywords).
 */
const MINIKUBE_PROFILE =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
export const MINIKUBE_RESERVED_PROFILES = [
  "start",
  "stop",
  "status",
  "delete",
  "config",
  "open",
  "profile",
  "addons",
  "cache",
  "logs",
] as const;

export function minikubeProfileProblem(name: string): string | undefined {
  if (!MINIKUBE_PROFILE.test(name) || name.length <= 1) {
    return (
      "a minikube profile name, as minikube accepts it: more than one character, letters, digits, '-' and '.', " +
      "each dot-separated part starting and ending with a letter or digit"
    );
  }
  if ((MINIKUBE_RESERVED_PROFILES as readonly string[]).includes(name.toLowerCase())) {
    return `a profile name other than minikube's command words (${MINIKUBE_RESERVED_PROFILES.join(", ")})`;
  }
  return undefined;
}
