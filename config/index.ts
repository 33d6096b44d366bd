/**
 * The program's edge: reads the `todo-app:*` stack configuration and the few facts of the machine it needs,
 * validates everything once, and hands components plain typed settings. Nothing is registered until this has
 * succeeded, so bad input never half-deploys a stack.
 *
 * Where a new setting goes: its row in config/keys.ts (and Pulumi.yaml, the README: a test keeps them in
 * step), then the reader of its concern (cluster, services, database, secrets, build).
 */
import type { Machine } from "../host/machine";
import { readBuild } from "./build";
import { readCluster } from "./cluster";
import { readDatabase } from "./database";
import { probeMachine } from "./probe";
import { ConfigReader } from "./reader";
import { databasePortOf, readSecrets } from "./secrets";
import { readServices, resolveServices } from "./services";
import { databaseUrlWarnings } from "./warnings";
import type { ConfigSource } from "./source";
import type { Settings } from "./types";

export { CONFIG_KEYS, CONFIG_KEY_NAMES, SECRET_KEY_NAMES, LOG_LEVELS, type ConfigKeyName } from "./keys";
export { CONFIG_NAMESPACE, ConfigProblems, ConfigValidationError } from "./problems";
export { type ConfigSource, pulumiConfigSource } from "./source";
export type * from "./types";
export type { Machine } from "../host/machine";

/**
 * Validates the whole configuration. Throws a ConfigValidationError listing every problem, each naming
 * the key, the bad value and what is accepted; then, only for a valid configuration, asks the machine
 * where to build (which may run `minikube docker-env`).
 */
export function loadSettings(source: ConfigSource, machine: Machine, stack: string): Settings {
  const config = new ConfigReader(source);
  config.checkKeys();
  const cluster = readCluster(config, stack);
  const services = readServices(config, machine, cluster.frontendNodePort);
  const secrets = readSecrets(config);
  const database = readDatabase(
    config,
    secrets.databaseUrl !== undefined ? databasePortOf(config) : undefined,
  );
  const build = readBuild(config);
  config.problems.throwIfAny();

  const facts = probeMachine(cluster, build, machine, config.problems);
  const resolved = resolveServices(
    services,
    {
      nodeHost: facts.nodeHost,
      frontendUrl: facts.frontendUrl,
      frontendUrlKnown: cluster.frontendUrl !== "" || cluster.frontendNodePort !== 0,
    },
    config.problems,
  );
  config.problems.throwIfAny();
  return {
    ...cluster,
    stack,
    warnings: databaseUrlWarnings(config),
    minikubeProfile: facts.minikubeProfile,
    nodeHost: facts.nodeHost,
    frontendUrl: facts.frontendUrl,
    frontendUrlConfigured: cluster.frontendUrl !== "",
    build: facts.build,
    database,
    backend: resolved.backend,
    frontend: resolved.frontend,
    backendPublicUrl: resolved.backendPublicUrl,
    secrets,
  };
}
