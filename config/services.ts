/**
 * What each service is built from and how it runs: build context, Dockerfile and base image, readiness path
 * and container resources.
 */
import * as path from "path";

import { isPinnedImage } from "../images/reference";
import type { Resources } from "../k8s/resources";
import type { ConfigKeyName } from "./keys";
import type { ConfigReader } from "./reader";
import { DEFAULT_RESOURCES, parseResources } from "./resources";
import type { ImageSource } from "./types";

export interface ServicesConfig {
  readonly backend: {
    readonly image: ImageSource;
    readonly readinessPath: string;
    readonly resources: Resources;
  };
  readonly frontend: { readonly image: ImageSource; readonly resources: Resources };
}

/** Where relative paths resolve, and how the reader tells whether a path exists. */
export interface PathContext {
  readonly projectDir: string;
  exists(file: string): boolean;
}

export function readServices(config: ConfigReader, paths: PathContext): ServicesConfig {
  const problems = config.problems;
  const backendImage = readImage(config, paths, {
    context: "backendContext",
    dockerfile: "backendDockerfile",
    base: "backendBaseImage",
    buildArg: "PYTHON_IMAGE",
  });
  const frontendImage = readImage(config, paths, {
    context: "frontendContext",
    dockerfile: "frontendDockerfile",
    base: "frontendBaseImage",
    buildArg: "NODE_IMAGE",
  });

  const readinessPath = config.string("backendReadinessPath");
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(readinessPath)) {
    problems.add("backendReadinessPath", readinessPath, "an absolute HTTP path such as /ready");
  }
  const resources = (key: "backendResources" | "frontendResources", defaults: Resources) =>
    parseResources(problems, key, config.get(key), defaults);

  return {
    backend: {
      image: backendImage,
      readinessPath,
      resources: resources("backendResources", DEFAULT_RESOURCES.backend),
    },
    frontend: { image: frontendImage, resources: resources("frontendResources", DEFAULT_RESOURCES.frontend) },
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
