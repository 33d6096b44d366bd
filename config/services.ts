/**
 * What each service is built from and how it runs: build context, Dockerfile and base image, readiness path
 * and container resources.
 */
import * as path from "path";

import { byCodeUnit } from "../images/contextWalk";
import { isPinnedImage } from "../images/reference";
import type { Resources } from "../k8s/resources";
import type { ConfigKeyName } from "./keys";
import type { ConfigReader } from "./reader";
import { DEFAULT_RESOURCES, parseResources } from "./resources";
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

/** Where relative paths resolve, and how the reader tells whether a path exists. */
export interface PathContext {
  readonly projectDir: string;
  exists(file: string): boolean;
}

/** `frontendNodePort` is the cluster reader's, for the check that an exposed backend does not take it. */
export function readServices(
  config: ConfigReader,
  paths: PathContext,
  frontendNodePort: number,
): ServicesConfig {
  const problems = config.problems;
  const backendKeys = {
    context: "backendContext",
    dockerfile: "backendDockerfile",
    base: "backendBaseImage",
    buildArg: "PYTHON_IMAGE",
  } as const;
  const frontendKeys = {
    context: "frontendContext",
    dockerfile: "frontendDockerfile",
    base: "frontendBaseImage",
    buildArg: "NODE_IMAGE",
  } as const;
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
  if (!paths.exists(context)) {
    problems.add(keys.context, config.raw(keys.context), `a directory that exists (looked for ${context})`);
  }
  if (!paths.exists(dockerfile)) {
    problems.add(
      keys.dockerfile,
      config.raw(keys.dockerfile),
      `a Dockerfile that exists (looked for ${dockerfile})`,
    );
  }
  const base = config.string(keys.base);
  if (base !== "" && !isPinnedImage(base)) {
    problems.add(keys.base, base, "an image reference with an explicit tag or digest other than latest");
  }
  return { context, dockerfile, buildArgs: base ? { [keys.buildArg]: base } : {} };
}

/** The addresses the placeholders stand for, as the probed machine gives them. */
export interface KnownAddresses {
  readonly nodeHost: string;
  readonly frontendUrl: string;
  /** Whether frontendUrl is known before the deploy (configured, or a fixed NodePort). */
  readonly frontendUrlKnown: boolean;
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
  const backendPublicUrl =
    exposure.publicUrl ||
    (exposure.expose && exposure.nodePort !== 0
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
  const withArgs = (image: ImageSource, args: Record<string, string>): ImageSource => ({
    ...image,
    buildArgs: { ...image.buildArgs, ...args },
  });
  return {
    backend: {
      image: withArgs(services.backend.image, backend.buildArgs),
      resources: services.backend.resources,
      readinessPath: services.backend.readinessPath,
      env: backend.env,
      secrets: services.backend.env.secrets,
      expose: exposure.expose ? { nodePort: exposure.nodePort } : undefined,
    },
    frontend: {
      image: withArgs(services.frontend.image, withNextPublicEnv(frontend.buildArgs)),
      resources: services.frontend.resources,
      env: frontend.env,
      secrets: services.frontend.env.secrets,
    },
    backendPublicUrl,
  };
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
