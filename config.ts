/**
 * The program's edge: reads the `todo-app:*` stack configuration and the few facts of the machine it needs
 * (kubeconfig, minikube's Docker daemon), validates everything once, and hands components plain typed
 * settings. Nothing is registered until this has succeeded, so bad input never half-deploys a stack.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

import {
  BUILD_TARGETS,
  BuildTarget,
  CommandRunner,
  DockerEndpoint,
  Kubeconfig,
  detectBuildTarget,
  kindClusterOf,
  kubeconfigFiles,
  minikubeDockerEndpoint,
  minikubeHome,
  nodeHostOf,
} from "./lib/buildTarget";
import { CONFIG_KEYS, CONFIG_KEY_NAMES, ConfigKeyName } from "./lib/configKeys";
import { DEFAULT_RESOURCES, Resources, parseResources, quantityValue } from "./lib/resources";
import {
  CONFIG_NAMESPACE,
  ConfigProblems,
  POSTGRES_URL_ACCEPTED,
  isDns1123Label,
  isDns1123Subdomain,
  isHttpUrl,
  isSharedNamespace,
  isQuantity,
  namespaceForStack,
  parseBoolean,
  parseEnum,
  parseInteger,
  postgresUrlProblem,
  redactUrl,
} from "./lib/validation";

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What one service's image is built from. */
export interface ImageSource {
  /** Absolute path of the Docker build context. */
  readonly context: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  /** Build arguments (base images only: never a secret). */
  readonly buildArgs: Readonly<Record<string, string>>;
}

export interface BuildSettings {
  readonly target: BuildTarget;
  /** Why the target was chosen (shown in outputs and errors). */
  readonly reason: string;
  /** The daemon to build with; undefined means the docker provider's default (DOCKER_HOST or the local socket). */
  readonly docker?: DockerEndpoint;
  /** For kind clusters: the cluster to `kind load` images into. */
  readonly kindCluster?: string;
  readonly registry?: {
    /** Registry host and path prefix, e.g. `ghcr.io/acme`. */
    readonly server: string;
    /** Registry host alone, e.g. `ghcr.io`. */
    readonly host: string;
    readonly username: string;
    readonly password: pulumi.Output<string>;
  };
}

export interface Settings {
  readonly stack: string;
  readonly kubeContext: string;
  readonly kubeconfig?: string;
  /** The minikube profile (used for buildTarget minikube and the URL command). */
  readonly minikubeProfile: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly logLevel: LogLevel;
  /** 0 means Kubernetes picks the port. */
  readonly frontendNodePort: number;
  /** Host at which a NodePort can be opened (minikube's IP, or localhost). */
  readonly nodeHost: string;
  readonly frontendUrl: string;
  /** Whether frontendUrl was configured (a public URL the user knows) rather than derived. */
  readonly frontendUrlConfigured: boolean;
  readonly build: BuildSettings;
  readonly backend: {
    readonly image: ImageSource;
    readonly readinessPath: string;
    readonly resources: Resources;
  };
  readonly frontend: { readonly image: ImageSource; readonly resources: Resources };
  /** An external database (databaseUrl set), or PostgreSQL in the cluster. */
  readonly database: DatabaseSettings;
  /** Pulumi secrets from the start; they never exist here as plain strings. */
  readonly secrets: {
    /** Set for an external database; undefined when PostgreSQL runs in the cluster. */
    readonly databaseUrl?: pulumi.Output<string>;
    readonly cohereApiKey?: pulumi.Output<string>;
    readonly betterAuthSecret?: pulumi.Output<string>;
  };
}

export type DatabaseSettings =
  | { readonly mode: "external" }
  | {
      readonly mode: "in-cluster";
      /** Official PostgreSQL image, pinned by tag or digest. */
      readonly image: string;
      readonly storageSize: string;
      /** Empty for the cluster's default StorageClass. */
      readonly storageClass: string;
      readonly resources: Resources;
      /** The user's opt-in to a change that gives the database a new, empty volume. */
      readonly allowReplacement: boolean;
    };

/** Where raw config comes from: the Pulumi runtime in a real run, a plain object in tests. */
export interface ConfigSource {
  /** The raw string of `todo-app:<key>`, or undefined when it is not set. */
  get(key: string): string | undefined;
  /** Whether the stack stores the key encrypted; undefined when that cannot be known. */
  isSecret(key: string): boolean | undefined;
  /** Every key set in the `todo-app` namespace, for catching typos. */
  keys(): string[];
}

/** The facts of the machine the program reads; stubbed in tests. */
export interface Machine {
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly homedir: string;
  readonly run: CommandRunner;
  exists(file: string): boolean;
  readKubeconfig(files: readonly string[]): Kubeconfig | undefined;
}

/**
 * Validates the whole configuration. Throws a ConfigValidationError listing every problem, each naming
 * the key, the bad value and what is accepted; then, only for a valid configuration, asks the machine
 * where to build (which may run `minikube docker-env`).
 */
export function loadSettings(source: ConfigSource, machine: Machine, stack: string): Settings {
  const problems = new ConfigProblems();
  const raw = (key: ConfigKeyName): string => {
    const value = source.get(key);
    return value === undefined ? String(defaultOf(key)) : value;
  };

  for (const key of source.keys()) {
    if (!(CONFIG_KEY_NAMES as string[]).includes(key)) {
      const near = CONFIG_KEY_NAMES.find(
        (k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2,
      );
      problems.addRaw(
        `${CONFIG_NAMESPACE}:${key} is not a setting of this program` +
          (near ? `; did you mean ${CONFIG_NAMESPACE}:${near}?` : ".") +
          ` Known settings: ${CONFIG_KEY_NAMES.join(", ")}.`,
      );
    }
  }

  // A secret stored in plaintext would sit in Pulumi.<stack>.yaml, in git and in every log of the config.
  for (const key of CONFIG_KEY_NAMES) {
    const spec = CONFIG_KEYS[key] as { secret?: boolean };
    if (spec.secret && (source.get(key) ?? "") !== "" && source.isSecret(key) === false) {
      problems.addRaw(
        `${CONFIG_NAMESPACE}:${key} is stored in plaintext; secrets must be encrypted. Remove it with ` +
          `\`pulumi config rm ${key}\` and set it again with \`pulumi config set --secret ${key}\` ` +
          "(no value on the command line: it prompts, so the secret stays out of shell history).",
      );
    }
  }

  const kubeContext = raw("kubeContext").trim();
  if (kubeContext === "") {
    problems.add(
      "kubeContext",
      kubeContext,
      "the name of a context in your kubeconfig (see `kubectl config get-contexts`)",
    );
  }

  const namespace = raw("namespace").trim() || namespaceForStack(stack);
  if (isSharedNamespace(namespace)) {
    problems.add(
      "namespace",
      namespace,
      "a namespace of this stack's own: the program labels it for the restricted Pod Security profile and " +
        "keeps it after destroy, so default, kube-system, kube-public, kube-node-lease and other kube-* " +
        "namespaces are refused",
    );
  } else if (!isDns1123Label(namespace)) {
    problems.add(
      "namespace",
      namespace,
      "a DNS-1123 label: at most 63 characters, lower-case letters, digits and '-', starting and ending " +
        "with a letter or digit",
    );
  }

  const replicas = parseInteger(problems, "replicas", raw("replicas"), 1, 20, "a whole number from 1 to 20");
  const logLevel = parseEnum(problems, "logLevel", raw("logLevel").trim().toLowerCase(), LOG_LEVELS);
  const frontendNodePort = parseNodePort(problems, raw("frontendNodePort"));

  const image = (
    contextKey: ConfigKeyName,
    dockerfileKey: ConfigKeyName,
    argName: string,
    baseKey: ConfigKeyName,
  ) => {
    const context = path.resolve(machine.projectDir, raw(contextKey));
    const dockerfile = path.resolve(machine.projectDir, raw(dockerfileKey));
    if (!machine.exists(context)) {
      problems.add(contextKey, raw(contextKey), `a directory that exists (looked for ${context})`);
    }
    if (!machine.exists(dockerfile)) {
      problems.add(dockerfileKey, raw(dockerfileKey), `a Dockerfile that exists (looked for ${dockerfile})`);
    }
    const base = raw(baseKey).trim();
    if (base !== "" && !isPinnedImage(base)) {
      problems.add(baseKey, base, "an image reference with an explicit tag or digest other than latest");
    }
    const buildArgs: Record<string, string> = base ? { [argName]: base } : {};
    return { context, dockerfile, buildArgs };
  };
  const backendImage = image("backendContext", "backendDockerfile", "PYTHON_IMAGE", "backendBaseImage");
  const frontendImage = image("frontendContext", "frontendDockerfile", "NODE_IMAGE", "frontendBaseImage");

  const readinessPath = raw("backendReadinessPath").trim();
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(readinessPath)) {
    problems.add("backendReadinessPath", readinessPath, "an absolute HTTP path such as /ready");
  }
  const backendResources = parseResources(
    problems,
    "backendResources",
    source.get("backendResources"),
    DEFAULT_RESOURCES.backend,
  );
  const frontendResources = parseResources(
    problems,
    "frontendResources",
    source.get("frontendResources"),
    DEFAULT_RESOURCES.frontend,
  );

  const frontendUrlRaw = raw("frontendUrl").trim();
  if (frontendUrlRaw !== "" && !isHttpUrl(frontendUrlRaw)) {
    problems.add("frontendUrl", frontendUrlRaw, "an http:// or https:// URL with a host");
  }

  const secrets = readSecrets(source, problems);
  const database = readDatabase(problems, raw, secrets.databaseUrl !== undefined);

  const buildTargetRaw = raw("buildTarget").trim();
  const buildTargetChoice = parseEnum(problems, "buildTarget", buildTargetRaw, [
    "auto",
    ...BUILD_TARGETS,
  ] as const);
  const registry = readRegistry(source, problems, raw, buildTargetChoice);
  const dockerHost = raw("dockerHost").trim();
  if (dockerHost !== "" && !/^(tcp|unix|ssh|npipe):\/\/./.test(dockerHost)) {
    problems.add(
      "dockerHost",
      dockerHost,
      "a Docker daemon address: tcp://host:2376, unix:///path/docker.sock or ssh://user@host",
    );
  }

  problems.throwIfAny();

  // Only a valid configuration gets this far, so the machine is probed (kubeconfig read, minikube asked)
  // at most once and never for a stack that would fail anyway.
  const kubeconfig = raw("kubeconfig").trim() || undefined;
  const kubeconfigPaths = kubeconfigFiles(kubeconfig, machine.env, machine.homedir);
  const kubeconfigDoc = machine.readKubeconfig(kubeconfigPaths);
  // The old setup's first failure: a context that is not the one the user thinks. When the kubeconfig can
  // be read, a context it does not have is refused here, with the ones it does have.
  const knownContexts = (kubeconfigDoc?.contexts ?? []).map((c) => c.name);
  if (knownContexts.length > 0 && !knownContexts.includes(kubeContext)) {
    problems.add(
      "kubeContext",
      kubeContext,
      `a context of your kubeconfig (${kubeconfigPaths.join(", ")}): ${knownContexts.join(", ")}` +
        (kubeContext === "minikube" ? ". For minikube, run `minikube start` first: it adds the context" : ""),
    );
    problems.throwIfAny();
  }
  const detection =
    buildTargetChoice === "auto"
      ? detectBuildTarget(kubeContext, kubeconfigDoc, minikubeHome(machine.env, machine.homedir))
      : {
          target: buildTargetChoice,
          reason: `todo-app:buildTarget is "${buildTargetChoice}"`,
          kindCluster: kindClusterOf(kubeContext),
        };

  if (detection.target === "registry" && registry) {
    // Without credentials the push fails minutes into an update; say so before anything starts.
    if (registry.username === "") {
      problems.add("registryUsername", "", `the user to push and pull with at ${registry.server}`);
    }
    if ((source.get("registryPassword") ?? "") === "") {
      problems.addRaw(
        `${CONFIG_NAMESPACE}:registryPassword is not set: set it with \`pulumi config set --secret registryPassword\` ` +
          `(a password or token for ${registry.server}).`,
      );
    }
    problems.throwIfAny();
  }
  if (detection.target === "registry" && !registry) {
    problems.addRaw(
      `${CONFIG_NAMESPACE}:buildTarget resolved to "registry" (${detection.reason}), but ${CONFIG_NAMESPACE}:registryServer ` +
        "is not set. A remote cluster cannot see images on this machine: set registryServer (and registryUsername " +
        "with `pulumi config set --secret registryPassword`), or set buildTarget to minikube or docker for a local cluster.",
    );
    problems.throwIfAny();
  }

  const minikubeProfile = raw("minikubeProfile").trim() || kubeContext;
  let docker: DockerEndpoint | undefined;
  if (dockerHost !== "") {
    const certPath = raw("dockerCertPath").trim();
    docker = certPath ? { host: dockerHost, certPath } : { host: dockerHost };
  } else if (detection.target === "minikube") {
    docker = minikubeDockerEndpoint(minikubeProfile, machine.run);
  }

  const nodeHost = detection.target === "minikube" ? nodeHostOf(docker) : "localhost";
  const frontendUrl =
    frontendUrlRaw !== ""
      ? frontendUrlRaw
      : frontendNodePort === 0
        ? `http://${nodeHost}`
        : `http://${nodeHost}:${frontendNodePort}`;

  return {
    stack,
    kubeContext,
    kubeconfig,
    minikubeProfile,
    namespace,
    replicas,
    logLevel,
    frontendNodePort,
    nodeHost,
    frontendUrl,
    frontendUrlConfigured: frontendUrlRaw !== "",
    build: {
      target: detection.target,
      reason: detection.reason,
      docker,
      kindCluster: detection.target === "docker" ? detection.kindCluster : undefined,
      registry: detection.target === "registry" ? registry : undefined,
    },
    database,
    backend: { image: backendImage, readinessPath, resources: backendResources },
    frontend: { image: frontendImage, resources: frontendResources },
    secrets: secrets,
  };
}

function parseNodePort(problems: ConfigProblems, rawValue: string): number {
  const accepted =
    "0 (Kubernetes picks a free port) or a whole number from 30000 to 32767 (the default NodePort range)";
  const value = parseInteger(problems, "frontendNodePort", rawValue, 0, 32767, accepted);
  if (value !== 0 && value < 30000) {
    problems.add("frontendNodePort", rawValue, accepted);
  }
  return value;
}

/**
 * Reads the secret keys. Their plaintext is looked at here once, to validate it before anything is
 * registered, and leaves this function only wrapped in `pulumi.secret`. Messages never echo a secret:
 * a bad database URL is shown with its password masked.
 */
function readSecrets(source: ConfigSource, problems: ConfigProblems): Partial<Settings["secrets"]> {
  const value = (key: string) => {
    const v = source.get(key);
    return v === undefined || v === "" ? undefined : v;
  };
  const result: {
    databaseUrl?: pulumi.Output<string>;
    cohereApiKey?: pulumi.Output<string>;
    betterAuthSecret?: pulumi.Output<string>;
  } = {};

  const databaseUrl = value("databaseUrl");
  if (databaseUrl !== undefined) {
    const problem = postgresUrlProblem(databaseUrl.trim());
    if (problem) {
      problems.addRaw(
        `${CONFIG_NAMESPACE}:databaseUrl = ${JSON.stringify(redactUrl(databaseUrl))} is not valid (${problem}): ` +
          `expected ${POSTGRES_URL_ACCEPTED}.`,
      );
    } else {
      result.databaseUrl = pulumi.secret(databaseUrl.trim());
    }
  }

  const cohereApiKey = value("cohereApiKey");
  if (cohereApiKey !== undefined) {
    result.cohereApiKey = pulumi.secret(cohereApiKey);
  }

  const betterAuthSecret = value("betterAuthSecret");
  if (betterAuthSecret !== undefined) {
    if (betterAuthSecret.length < 32) {
      problems.addRaw(
        `${CONFIG_NAMESPACE}:betterAuthSecret is ${betterAuthSecret.length} characters long; at least 32 are required ` +
          "(or remove it with `pulumi config rm betterAuthSecret` to have one generated).",
      );
    } else {
      result.betterAuthSecret = pulumi.secret(betterAuthSecret);
    }
  }
  return result;
}

function readDatabase(
  problems: ConfigProblems,
  raw: (key: ConfigKeyName) => string,
  external: boolean,
): DatabaseSettings {
  const image = raw("postgresImage").trim();
  const storageSize = raw("postgresStorageSize").trim();
  const storageClass = raw("postgresStorageClass").trim();
  const allowReplacement = parseBoolean(
    problems,
    "allowDatabaseReplacement",
    raw("allowDatabaseReplacement").trim(),
  );
  const resources = parseResources(
    problems,
    "postgresResources",
    raw("postgresResources"),
    DEFAULT_RESOURCES.database,
  );
  // The database settings are validated even for an external database, so a typo is caught the day it is
  // made, not the day someone drops databaseUrl.
  if (!isPinnedImage(image)) {
    problems.add(
      "postgresImage",
      image,
      "an image reference with an explicit tag or digest other than latest, e.g. postgres:16.6-bookworm",
    );
  }
  if (!isQuantity(storageSize) || !(quantityValue(storageSize) >= 2 ** 20)) {
    problems.add("postgresStorageSize", storageSize, "a storage quantity of at least 1Mi, e.g. 1Gi or 500Mi");
  }
  if (storageClass !== "" && !isDns1123Subdomain(storageClass)) {
    problems.add(
      "postgresStorageClass",
      storageClass,
      "the name of a StorageClass (see `kubectl get storageclass`), or empty for the default",
    );
  }
  if (external) {
    return { mode: "external" };
  }
  return { mode: "in-cluster", image, storageSize, storageClass, resources, allowReplacement };
}

function readRegistry(
  source: ConfigSource,
  problems: ConfigProblems,
  raw: (key: ConfigKeyName) => string,
  choice: string,
): BuildSettings["registry"] {
  const server = raw("registryServer").trim().replace(/\/+$/, "");
  if (server === "") {
    if (choice === "registry") {
      problems.add(
        "registryServer",
        server,
        "a registry and optional path, e.g. ghcr.io/acme or 123456789.dkr.ecr.eu-west-1.amazonaws.com",
      );
    }
    return undefined;
  }
  if (!/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/.test(server)) {
    problems.add(
      "registryServer",
      server,
      "a registry host with an optional lower-case path, e.g. ghcr.io/acme (no scheme, no tag)",
    );
  }
  const password = source.get("registryPassword") ?? "";
  const username = raw("registryUsername").trim();
  return {
    server,
    host: server.split("/")[0],
    username,
    password: pulumi.secret(password),
  };
}

function isPinnedImage(ref: string): boolean {
  if (ref.includes("@sha256:")) {
    return true;
  }
  const lastSegment = ref.split("/").pop() ?? "";
  const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
  return tag !== undefined && tag !== "" && tag !== "latest";
}

function defaultOf(key: ConfigKeyName): string {
  const d: unknown = CONFIG_KEYS[key].default;
  return typeof d === "string" ? d : JSON.stringify(d);
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

/** The Pulumi runtime as a ConfigSource. */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const prefix = `${CONFIG_NAMESPACE}:`;
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
