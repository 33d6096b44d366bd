/**
 * How images are built and delivered, as configured: the build target choice, the registry and its
 * credentials, and an explicit Docker daemon. Which target `auto` means is decided later, by probing the
 * machine (config/probe.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import type { BuildTargetChoice } from "../host/buildTarget";
import { qualified } from "../catalog";
import type { ConfigReader } from "./reader";
import { blankSecret } from "./secrets";
import { urlSummary } from "./validate";
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
  const hostProblem = dockerHost === "" ? undefined : dockerHostProblem(dockerHost);
  if (hostProblem !== undefined) {
    problems.addRaw(
      `${qualified("dockerHost")} ${problems.show("dockerHost", dockerHost.includes("@") ? urlSummary(dockerHost) : dockerHost)} ` +
        `is not valid (${hostProblem}): a Docker daemon address, tcp://host:2376, unix:///var/run/docker.sock, ` +
        "ssh://user@host[:port] or npipe:////./pipe/docker_engine.",
    );
  }
  const registryPassword = config.secret("registryPassword");
  if (registryPassword !== undefined && registryPassword.trim() === "") {
    problems.addRaw(blankSecret("registryPassword"));
  }
  return {
    choice,
    registry,
    hasRegistryPassword: registryPassword !== undefined && registryPassword.trim() !== "",
    dockerHost,
    dockerCertPath: config.string("dockerCertPath"),
  };
}

/**
 * Why the Docker CLI and the docker provider would not connect to `host`, or undefined: the forms
 * `docker -H` takes (opts/hosts.go, ParseHost): tcp:// with a host and a port 1-65535, unix:// and npipe://
 * with an absolute path, ssh:// with a host (a user and port optional, no path).
 */
export function dockerHostProblem(host: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(host)?.[1].toLowerCase();
  if (scheme === undefined) return "it has no scheme://";
  const rest = host.slice(scheme.length + 3);
  if (scheme === "unix" || scheme === "npipe") {
    return rest.length > 1 && rest.startsWith("/")
      ? undefined
      : `a ${scheme}:// address needs an absolute path`;
  }
  if (scheme !== "tcp" && scheme !== "ssh") return `its scheme is "${scheme}"`;
  const authority = /^(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::([^/]*))?(.*)$/.exec(rest);
  const [, userinfo, hostname, port, tail] = authority ?? [];
  if (!hostname) return "it has no host";
  if (userinfo?.includes(":")) return "it carries a password; the ssh transport authenticates with keys";
  if (port !== undefined && !(/^[0-9]+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return "its port is not a number from 1 to 65535";
  }
  if (scheme === "tcp" && port === undefined) return "a tcp:// address needs a port, e.g. tcp://host:2376";
  if (tail !== "" && tail !== "/") return "it has a path, which a tcp:// or ssh:// address never has";
  try {
    new URL(host);
  } catch {
    return "it is not a URL";
  }
  return undefined;
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
  if (server.includes("@")) {
    // `user:token@ghcr.io/acme`: the credentials belong in registryUsername and registryPassword, and the value is
    // not echoed, since it holds a token.
    problems.addRaw(
      `${qualified("registryServer")} holds credentials (the value is not shown): give the registry host and path ` +
        "alone, e.g. ghcr.io/acme, with registryUsername and `npm run pulumi -- config set --secret registryPassword`.",
    );
  } else if (!/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/.test(server)) {
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
