/**
 * How images are built and delivered, as configured: the build target choice, the registry and its
 * credentials, and an explicit Docker daemon. Which target `auto` means is decided later, by probing the
 * machine (config/probe.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import type { BuildTargetChoice } from "../host/buildTarget";
import type { ConfigReader } from "./reader";
import type { RegistrySettings } from "./types";

export interface BuildConfig {
  readonly choice: BuildTargetChoice;
  /** Set when registryServer is. */
  readonly registry?: RegistrySettings;
  /** Whether registryPassword is set (its value stays inside `registry.password`). */
  readonly hasRegistryPassword: boolean;
  /** The dockerHost setting; empty for the default daemon. */
  readonly dockerHost: string;
  readonly dockerCertPath: string;
}

export function readBuild(config: ConfigReader): BuildConfig {
  const problems = config.problems;
  const choice = config.choice("buildTarget");
  const registry = readRegistry(config, choice);
  const dockerHost = config.string("dockerHost");
  if (dockerHost !== "" && !/^(tcp|unix|ssh|npipe):\/\/./.test(dockerHost)) {
    problems.add(
      "dockerHost",
      dockerHost,
      "a Docker daemon address: tcp://host:2376, unix:///path/docker.sock or ssh://user@host",
    );
  }
  return {
    choice,
    registry,
    hasRegistryPassword: config.secret("registryPassword") !== undefined,
    dockerHost,
    dockerCertPath: config.string("dockerCertPath"),
  };
}

function readRegistry(config: ConfigReader, choice: BuildTargetChoice): RegistrySettings | undefined {
  const problems = config.problems;
  const server = config.string("registryServer").replace(/\/+$/, "");
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
  return {
    server,
    host: server.split("/")[0],
    username: config.string("registryUsername"),
    password: pulumi.secret(config.get("registryPassword") ?? ""),
  };
}
