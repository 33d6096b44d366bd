/**
 * What each service is built from and how it runs: build context, Dockerfile and base image, readiness path
 * and container resources.
 */
import * as path from "path";

import { BACKEND, clusterUrl, qualified } from "../catalog";
import { byCodeUnit } from "../images/contextWalk";
import { analyzeBuildContext, type BuildContextAnalysis } from "../images/contextHash";
import { IMAGE_REFERENCE_ACCEPTED, imageReferenceProblem, isPinnedImage } from "../images/reference";
import type { Resources } from "../k8s/resources";
import type { ConfigKeyName } from "./keys";
import type { ConfigReader } from "./reader";
import { DEFAULT_RESOURCES, parseResources } from "./resources";
import { checkBuildContext, checkFile, checkMachinePaths, type PathContext } from "./paths";
import type { ConfigProblems } from "./problems";
import {
  type BackendExposure,
  NEXT_PUBLIC_ENV_ARG,
  type ServiceEnvConfig,
  readBackendExposure,
  readServiceEnv,
  resolveServiceEnv,
} from "./serviceEnv";
import type { ImageSource, ServiceSettings } from "./types";

interface ServiceConfig {
  /** Build args here are the base image's only; the setting's come in `env.buildArgs`. */
  readonly image: ImageSource;
  readonly resources: Resources;
  readonly env: ServiceEnvConfig;
}

export interface ServicesConfig {
  readonly backend: ServiceConfig & { readonly readinessPath: string; readonly exposure: BackendExposure };
  readonly frontend: ServiceConfig;
}

export type { PathContext } from "./paths";

const BACKEND_KEYS = {
  context: "backendContext",
  dockerfile: "backendDockerfile",
  base: "backendBaseImage",
  buildArg: "PYTHON_IMAGE",
} as const;
const FRONTEND_KEYS = {
  context: "frontendContext",
  dockerfile: "frontendDockerfile",
  base: "frontendBaseImage",
  buildArg: "NODE_IMAGE",
} as const;

/** `frontendNodePort` is the cluster reader's, for the check that an exposed backend does not take it. */
export function readServices(
  config: ConfigReader,
  paths: PathContext,
  frontendNodePort: number,
): ServicesConfig {
  const problems = config.problems;
  const backendKeys = BACKEND_KEYS;
  const frontendKeys = FRONTEND_KEYS;
  // The kubeconfig and Docker certificate paths are checked here, with the machine's file system at hand,
  // so that every path problem is reported in the first phase, together with the rest.
  checkMachinePaths(config, paths);
  const backendImage = readImage(config, paths, backendKeys);
  const frontendImage = readImage(config, paths, frontendKeys);

  const readinessPath = config.string("backendReadinessPath");
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(readinessPath)) {
    problems.add("backendReadinessPath", readinessPath, "an absolute HTTP path such as /health or /ready");
  }
  const resources = (key: "backendResources" | "frontendResources", defaults: Resources) =>
    parseResources(problems, key, config.get(key), defaults);

  return {
    backend: {
      image: backendImage,
      readinessPath,
      resources: resources("backendResources", DEFAULT_RESOURCES.backend),
      env: readServiceEnv(config, "backend", backendKeys.buildArg),
      exposure: readBackendExposure(config, frontendNodePort),
    },
    frontend: {
      image: frontendImage,
      resources: resources("frontendResources", DEFAULT_RESOURCES.frontend),
      env: readServiceEnv(config, "frontend", frontendKeys.buildArg),
    },
  };
}

interface ImageKeys {
  readonly context: ConfigKeyName;
  readonly dockerfile: ConfigKeyName;
  readonly base: ConfigKeyName;
  /** The Dockerfile's build arg that takes the base image. */
  readonly buildArg: string;
}

function readImage(config: ConfigReader, paths: PathContext, keys: ImageKeys): ImageSource {
  const problems = config.problems;
  const context = path.resolve(paths.projectDir, config.raw(keys.context));
  const dockerfile = path.resolve(paths.projectDir, config.raw(keys.dockerfile));
  checkBuildContext(problems, keys.context, config.raw(keys.context), context, paths);
  checkFile(problems, keys.dockerfile, config.raw(keys.dockerfile), dockerfile, paths, "a Dockerfile");
  const base = config.string(keys.base);
  if (base !== "") {
    const problem = imageReferenceProblem(base);
    if (problem !== undefined) {
      problems.add(keys.base, base, `${IMAGE_REFERENCE_ACCEPTED} (${problem})`);
    } else if (!isPinnedImage(base)) {
      problems.add(keys.base, base, "an image reference with an explicit tag or digest other than latest");
    }
  }
  return { context, dockerfile, buildArgs: base ? { [keys.buildArg]: base } : {} };
}

/** The addresses the placeholders stand for, as the probed machine gives them. */
export interface KnownAddresses {
  readonly nodeHost: string;
  readonly frontendUrl: string;
  /** Whether frontendUrl is known before the deploy (configured, an Ingress host, or a fixed NodePort). */
  readonly frontendUrlKnown: boolean;
  /**
   * The exposed backend's URL on the Ingress (its host and backendIngressPath); set when the Ingress serves the
   * backend, which then has no NodePort.
   */
  readonly backendIngressUrl?: string;
}

export interface ResolvedServices {
  readonly backend: ServiceSettings & {
    readonly readinessPath: string;
    readonly expose?: { nodePort: number };
  };
  readonly frontend: ServiceSettings;
  readonly backendPublicUrl?: string;
}

/** Resolves placeholders and assembles each service's build args and env; problems name the setting. */
export function resolveServices(
  services: ServicesConfig,
  addresses: KnownAddresses,
  problems: ConfigProblems,
): ResolvedServices {
  const exposure = services.backend.exposure;
  const viaIngress = exposure.expose && addresses.backendIngressUrl !== undefined;
  const backendPublicUrl =
    exposure.publicUrl ||
    (viaIngress
      ? addresses.backendIngressUrl
      : exposure.expose && exposure.nodePort !== 0
        ? `http://${addresses.nodeHost}:${exposure.nodePort}`
        : undefined);
  const urls = {
    frontendUrl: addresses.frontendUrlKnown ? addresses.frontendUrl : undefined,
    backendPublicUrl,
  };
  const why = {
    frontendUrl: "set frontendUrl, or a fixed frontendNodePort (not 0)",
    backendPublicUrl: exposure.expose
      ? "set backendPublicUrl, or a fixed backendNodePort (not 0)"
      : "set exposeBackend to true (or set backendPublicUrl)",
  };
  const add = (message: string) => problems.addRaw(message);
  const backend = resolveServiceEnv(
    { buildArgs: "backendBuildArgs", env: "backendEnv" },
    services.backend.env,
    urls,
    why,
    add,
  );
  const frontend = resolveServiceEnv(
    { buildArgs: "frontendBuildArgs", env: "frontendEnv" },
    services.frontend.env,
    urls,
    why,
    add,
  );
  checkConfigMapSize(
    { FRONTEND_URL: addresses.frontendUrl, BACKEND_URL: clusterUrl(BACKEND), LOG_LEVEL: "warning" },
    { backendEnv: backend.env, frontendEnv: frontend.env },
    problems,
  );
  const withArgs = (image: ImageSource, args: Record<string, string>, keys: ImageKeys): ImageSource => {
    const buildArgs = { ...image.buildArgs, ...args };
    const analysis = analyzeImage({ ...image, buildArgs }, keys, problems);
    return { ...image, buildArgs, ...(analysis ? { analysis } : {}) };
  };
  return {
    backend: {
      image: withArgs(services.backend.image, backend.buildArgs, BACKEND_KEYS),
      resources: services.backend.resources,
      readinessPath: services.backend.readinessPath,
      env: backend.env,
      secrets: services.backend.env.secrets,
      // Served by the Ingress, the backend keeps a ClusterIP Service: no NodePort on the nodes.
      expose: exposure.expose && !viaIngress ? { nodePort: exposure.nodePort } : undefined,
    },
    frontend: {
      image: withArgs(services.frontend.image, withNextPublicEnv(frontend.buildArgs), FRONTEND_KEYS),
      resources: services.frontend.resources,
      env: frontend.env,
      secrets: services.frontend.env.secrets,
    },
    backendPublicUrl,
  };
}

/**
 * The API server refuses a ConfigMap whose data exceeds 1 MiB (kubernetes pkg/apis/core/validation/validation.go,
 * ValidateConfigMap: `totalSize > core.MaxSecretSize`, and pkg/apis/core/types.go `MaxSecretSize = 1 * 1024 *
 * 1024`), counting every key and value. The plain settings and the env settings are held to that budget
 * together, so whichever object carries them is accepted; the message names the largest entries.
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

function checkConfigMapSize(
  plain: Readonly<Record<string, string>>,
  env: Readonly<Record<"backendEnv" | "frontendEnv", Readonly<Record<string, string>>>>,
  problems: ConfigProblems,
): void {
  const entries: { key: string; bytes: number }[] = [];
  const size = (name: string, value: string) => Buffer.byteLength(name) + Buffer.byteLength(value);
  for (const [name, value] of Object.entries(plain)) {
    entries.push({ key: name === "FRONTEND_URL" ? "frontendUrl" : name, bytes: size(name, value) });
  }
  for (const [key, values] of Object.entries(env)) {
    for (const [name, value] of Object.entries(values))
      entries.push({ key: `${key}.${name}`, bytes: size(name, value) });
  }
  const total = entries.reduce((sum, e) => sum + e.bytes, 0);
  if (total <= CONFIGMAP_MAX_BYTES) return;
  const largest = [...entries].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  problems.addRaw(
    `The plain settings come to ${total} bytes, over the ${CONFIGMAP_MAX_BYTES} bytes (1 MiB) Kubernetes ` +
      `accepts in a ConfigMap; the largest: ${largest.map((e) => `${qualified(e.key)} (${e.bytes} bytes)`).join(", ")}. ` +
      "Keep large data in the image or a volume instead.",
  );
}

/**
 * Hashes an image's inputs now, in the config phase, so that a file of the context this user cannot read (or
 * any other failure of the walk) is a problem naming the setting, reported before anything is registered,
 * instead of an EACCES from inside a component. The analysis travels with the settings so the walk is done once.
 */
function analyzeImage(
  image: ImageSource,
  keys: ImageKeys,
  problems: ConfigProblems,
): BuildContextAnalysis | undefined {
  try {
    return analyzeBuildContext({
      context: image.context,
      dockerfile: image.dockerfile,
      buildArgs: { ...image.buildArgs },
    });
  } catch (error) {
    problems.addRaw(
      `${qualified(keys.context)} (${image.context}, built with ${qualified(keys.dockerfile)} ` +
        `${image.dockerfile}) cannot be hashed for the image tag: ${(error as Error).message}. ` +
        "Every file the Dockerfile reads must be readable by this user, or excluded in the ignore file.",
    );
    return undefined;
  }
}

/**
 * BuildKit hands a RUN only the build args its stage declares, so arbitrary `NEXT_PUBLIC_*` args would never
 * reach `next build`. They are also passed as one `NEXT_PUBLIC_ENV` arg of `NAME=value` lines, which the
 * program's frontend Dockerfile writes to `.env.production.local`; a Dockerfile of one's own declares its ARGs.
 */
export function withNextPublicEnv(args: Readonly<Record<string, string>>): Record<string, string> {
  const lines = Object.entries(args)
    .filter(([name]) => name.startsWith("NEXT_PUBLIC_"))
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([name, value]) => `${name}=${value}`);
  return lines.length > 0 ? { ...args, [NEXT_PUBLIC_ENV_ARG]: lines.join("\n") } : { ...args };
}
