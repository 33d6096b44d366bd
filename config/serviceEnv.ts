/**
 * What each service receives beyond its image: extra build args, extra plain env, the secrets it reads, and
 * (the backend) whether it is exposed outside the cluster. Values are checked here; placeholders are resolved
 * once the machine is probed, in resolveServiceEnv.
 */
import { PLAIN_ENV, SECRET_ENV, type SecretEnv, qualified } from "../catalog";
import { CONFIG_KEYS, type ConfigKeyName } from "./keys";
import type { ConfigReader } from "./reader";
import {
  PLACEHOLDERS,
  type Placeholder,
  isPlaceholder,
  placeholdersIn,
  resolvePlaceholders,
} from "./templates";
import { hasCredentials, publishedUrlProblem, urlSummary } from "./validate";

export interface ServiceEnvConfig {
  /** Extra build args, placeholders unresolved. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Extra plain env, placeholders unresolved. */
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretEnv[];
}

export interface BackendExposure {
  readonly expose: boolean;
  /** 0 lets Kubernetes pick. */
  readonly nodePort: number;
  /** The configured public URL; empty to derive it from the node address. */
  readonly publicUrl: string;
}

/** Names that say "secret": a build arg is visible in the image's history and an env value in the pod spec. */
const SECRET_LIKE = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The program's own env: set from the catalog and the Secret, so a setting must not shadow it. */
const RESERVED_ENV = [...SECRET_ENV, ...PLAIN_ENV, "HOSTNAME", "PORT"];
/** The build arg the program's frontend Dockerfile turns into `.env.production.local` for `next build`. */
export const NEXT_PUBLIC_ENV_ARG = "NEXT_PUBLIC_ENV";

type MapKey = "backendBuildArgs" | "frontendBuildArgs" | "backendEnv" | "frontendEnv";
type ListKey = "backendSecrets" | "frontendSecrets";

export function readServiceEnv(
  config: ConfigReader,
  service: "backend" | "frontend",
  baseImageArg: string,
): ServiceEnvConfig {
  const buildArgsKey: MapKey = `${service}BuildArgs`;
  const envKey: MapKey = `${service}Env`;
  const buildArgs = readStringMap(config, buildArgsKey, service, (name) =>
    name === baseImageArg
      ? `the base image is set with ${service}BaseImage`
      : name === NEXT_PUBLIC_ENV_ARG
        ? `${NEXT_PUBLIC_ENV_ARG} is filled by the program from the NEXT_PUBLIC_* entries`
        : undefined,
  );
  const env = readStringMap(config, envKey, service, (name) =>
    RESERVED_ENV.includes(name) ? `${name} is set by the program itself` : undefined,
  );
  return { buildArgs, env, secrets: readSecretList(config, `${service}Secrets`) };
}

export function readBackendExposure(config: ConfigReader, frontendNodePort: number): BackendExposure {
  const problems = config.problems;
  const expose = config.boolean("exposeBackend");
  const nodePort = config.integer("backendNodePort");
  if (nodePort !== 0 && nodePort < 30000) {
    problems.add("backendNodePort", config.raw("backendNodePort"), CONFIG_KEYS.backendNodePort.accepted);
  }
  if (expose && nodePort !== 0 && nodePort === frontendNodePort) {
    problems.add("backendNodePort", String(nodePort), "a NodePort other than frontendNodePort's");
  }
  const publicUrl = config.string("backendPublicUrl");
  const urlProblem = publicUrl === "" ? undefined : publishedUrlProblem(publicUrl);
  if (urlProblem !== undefined) {
    problems.add("backendPublicUrl", publicUrl.includes("@") ? urlSummary(publicUrl) : publicUrl, urlProblem);
  }
  return { expose, nodePort, publicUrl };
}

/**
 * An object of plain strings (numbers and booleans are taken as their text, as YAML writes them), each name
 * an identifier that does not look like a secret, each value one line with only known placeholders.
 */
function readStringMap(
  config: ConfigReader,
  key: MapKey,
  service: "backend" | "frontend",
  reserved: (name: string) => string | undefined,
): Record<string, string> {
  const problems = config.problems;
  const raw = config.raw(key).trim();
  const accepted = 'an object of names to plain strings, e.g. {"NEXT_PUBLIC_API_URL":"{backendPublicUrl}"}';
  let parsed: unknown;
  try {
    parsed = raw === "" ? {} : JSON.parse(raw);
  } catch {
    problems.add(key, raw, accepted);
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.add(key, raw, accepted);
    return {};
  }
  const where = key.endsWith("BuildArgs") ? "the image's history" : "the pod spec";
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const field = `${key}.${name}`;
    if (!NAME.test(name)) {
      problems.add(field, name, "a name of letters, digits and '_', not starting with a digit");
    } else if (SECRET_LIKE.test(name) && !(service === "frontend" && name.startsWith("NEXT_PUBLIC_"))) {
      // NEXT_PUBLIC_* is public by definition, but only in the frontend's build: on the backend it is a name.
      problems.addRaw(
        `${qualified(field)} looks like a secret (its value is not shown): ${key} values are plain text, ` +
          "visible in the image history or the pod spec. Give the service a secret through backendSecrets/" +
          "frontendSecrets instead.",
      );
    } else if (reserved(name)) {
      problems.add(field, name, `another name: ${reserved(name)}`);
    } else if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      // Not echoed: a nested map can hold anything, a credential included.
      problems.addRaw(
        `${qualified(field)} is ${value === null ? "null" : Array.isArray(value) ? "a list" : "a map"} (not ` +
          "shown): a plain string is accepted.",
      );
    } else if (hasCredentials(String(value))) {
      problems.addRaw(
        `${qualified(field)} holds a URL with a user or password (not shown): ${key} values are plain text, ` +
          `stored in Pulumi.<stack>.yaml, the state and ${where}. ` +
          (key.endsWith("BuildArgs")
            ? "A private package index's credentials must not be a build arg; see the README's \"Private " +
              'package indexes".'
            : `Give the service a secret through ${service}Secrets instead.`),
      );
    } else if (config.holdsSecret(String(value))) {
      problems.addRaw(
        `${qualified(field)} holds the value of a configured secret (not shown): ${key} values are plain text, ` +
          `stored in Pulumi.<stack>.yaml, the state and ${where}. Give the service the secret through ` +
          `${service}Secrets instead.`,
      );
    } else {
      const text = String(value);
      const unknown = placeholdersIn(text).filter((p) => !isPlaceholder(p));
      if (/[\r\n]/.test(text)) {
        problems.add(field, text, "a single line");
      } else if (unknown.length > 0) {
        problems.add(field, text, `only the placeholders ${PLACEHOLDERS.map((p) => `{${p}}`).join(" and ")}`);
      } else {
        result[name] = text;
      }
    }
  }
  return result;
}

function readSecretList(config: ConfigReader, key: ListKey): SecretEnv[] {
  const raw = config.raw(key).trim();
  const accepted = `a list of ${SECRET_ENV.join(", ")} (each at most once), e.g. ["DATABASE_URL"]`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    config.problems.add(key, raw, accepted);
    return [];
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((item) => (SECRET_ENV as readonly unknown[]).includes(item)) ||
    new Set(parsed).size !== parsed.length
  ) {
    config.problems.add(key, raw, accepted);
    return [];
  }
  return parsed as SecretEnv[];
}

/**
 * Resolves the placeholders once the addresses are known. A placeholder whose address cannot be known at
 * preview is a problem naming the setting that uses it.
 */
export function resolveServiceEnv(
  keys: { readonly buildArgs: ConfigKeyName; readonly env: ConfigKeyName },
  service: ServiceEnvConfig,
  urls: Readonly<Partial<Record<Placeholder, string>>>,
  why: Readonly<Record<Placeholder, string>>,
  addProblem: (message: string) => void,
): { buildArgs: Record<string, string>; env: Record<string, string> } {
  const resolve = (key: ConfigKeyName, values: Readonly<Record<string, string>>) => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      const missing = placeholdersIn(value).filter((p) => isPlaceholder(p) && urls[p] === undefined);
      if (missing.length > 0) {
        addProblem(
          `${qualified(`${key}.${name}`)} uses ${missing.map((p) => `{${p}}`).join(", ")}, which is not known ` +
            `before the deploy: ${missing.map((p) => why[p as Placeholder]).join("; ")}.`,
        );
        continue;
      }
      out[name] = resolvePlaceholders(value, urls as Record<Placeholder, string>);
    }
    return out;
  };
  return { buildArgs: resolve(keys.buildArgs, service.buildArgs), env: resolve(keys.env, service.env) };
}
