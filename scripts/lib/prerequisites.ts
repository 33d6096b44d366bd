/**
 * Finds the tools a deploy needs and says how to install whichever is missing, for the platform the user is on.
 * Every probe goes through an injected CommandRunner, so the tests replay each machine without installing
 * anything.
 */
import * as path from "path";

import type { CommandResult, CommandRunner } from "../../host/process";
import { UserError } from "./errors";

export const TOOLS = ["pulumi", "minikube", "docker", "kubectl"] as const;
export type Tool = (typeof TOOLS)[number];

type Hints = Partial<Record<NodeJS.Platform, string>> & { readonly default: string };

/** One install command per platform, then the page with every other way. */
const INSTALL: Record<Tool, { readonly hints: Hints; readonly docs: string }> = {
  pulumi: {
    hints: {
      darwin: "brew install pulumi/tap/pulumi",
      win32: "winget install pulumi",
      default: "curl -fsSL https://get.pulumi.com | sh",
    },
    docs: "https://www.pulumi.com/docs/iac/download-install/",
  },
  minikube: {
    hints: {
      darwin: "brew install minikube",
      win32: "winget install Kubernetes.minikube",
      default:
        "curl -LO https://storage.googleapis.com/minikube/releases/latest/minikube-linux-amd64 && " +
        "sudo install minikube-linux-amd64 /usr/local/bin/minikube",
    },
    docs: "https://minikube.sigs.k8s.io/docs/start/",
  },
  docker: {
    hints: {
      darwin: "brew install --cask docker (Docker Desktop), then start it",
      win32: "winget install Docker.DockerDesktop, then start it",
      default: "curl -fsSL https://get.docker.com | sh",
    },
    docs: "https://docs.docker.com/engine/install/",
  },
  kubectl: {
    hints: {
      darwin: "brew install kubectl",
      win32: "winget install Kubernetes.kubectl",
      default: "see the page below, or use `minikube kubectl --` in its place",
    },
    docs: "https://kubernetes.io/docs/tasks/tools/",
  },
};

export function installHint(tool: Tool, platform: NodeJS.Platform): string {
  const { hints, docs } = INSTALL[tool];
  return `Install it: ${hints[platform] ?? hints.default}  (other ways: ${docs})`;
}

/** Why a tool is needed, so the message says what the missing tool would have done. */
const PURPOSE: Record<Tool, string> = {
  pulumi: "runs the deployment",
  minikube: "runs the local Kubernetes cluster this stack deploys to",
  docker: "builds the images on this machine",
  kubectl: "checks the rollout and the backend's health after the deploy",
};

export function missingToolMessage(tool: Tool, platform: NodeJS.Platform, detail?: string): string {
  const why = detail ? ` (${detail})` : "";
  return `${tool} was not found${why}; it ${PURPOSE[tool]}. ${installHint(tool, platform)}`;
}

/** How each tool is asked for its version: cheap, offline, and (for docker) not needing a running daemon. */
const VERSION_ARGS: Record<Tool, readonly string[]> = {
  pulumi: ["version"],
  minikube: ["version", "--short"],
  docker: ["--version"],
  kubectl: ["version", "--client"],
};

export interface ToolStatus {
  readonly tool: Tool;
  readonly present: boolean;
  /** The version line, or why the probe failed. */
  readonly detail: string;
}

function firstLine(result: CommandResult): string {
  return (result.stdout || result.stderr).trim().split(/\r?\n/)[0] ?? "";
}

export function probeTool(tool: Tool, run: CommandRunner): ToolStatus {
  const result = run(tool, VERSION_ARGS[tool]);
  if (result.error || result.status === null) {
    return { tool, present: false, detail: result.error?.message ?? "could not be started" };
  }
  if (result.status !== 0) {
    return {
      tool,
      present: false,
      detail: `\`${tool} ${VERSION_ARGS[tool].join(" ")}\` exited ${result.status}`,
    };
  }
  return { tool, present: true, detail: firstLine(result) };
}

/** Whether the Docker daemon answers (the CLI can be installed while Docker Desktop is not running). */
export function dockerDaemonProblem(run: CommandRunner, platform: NodeJS.Platform): string | undefined {
  const result = run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (result.status === 0) {
    return undefined;
  }
  const output = `${result.stderr}\n${result.stdout}`.trim().split(/\r?\n/)[0] ?? "";
  const start =
    platform === "linux"
      ? "start it (sudo systemctl start docker)"
      : "start Docker Desktop and wait until it runs";
  return `The Docker daemon does not answer (${output || "no output"}); ${start}, then run again.`;
}

/** Where the Pulumi CLI was found; the Automation API is pointed at exactly this one. */
export type PulumiLocation =
  | { readonly kind: "path"; readonly version: string }
  | {
      readonly kind: "npm";
      /** node_modules/.bin/pulumi, the shim of the `pulumi` npm package. */
      readonly shim: string;
      /** The install root the shim downloaded into (`<root>/bin/pulumi`), for `PulumiCommand.get({ root })`. */
      readonly root: string;
      readonly version: string;
    };

export interface PulumiLookup {
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
  readonly exists: (file: string) => boolean;
  /** The version in node_modules/pulumi/package.json, or undefined when the package is not installed. */
  readonly npmPackageVersion: string | undefined;
}

/**
 * The cache folder of the `pulumi` npm package (its README: `~/.pulumi/versions/<version>/`, under PULUMI_HOME
 * when set), which is also where `PulumiCommand.install` puts a CLI, so both share one download.
 */
export function npmCliRoot(version: string, env: NodeJS.ProcessEnv, homedir: string): string {
  const home = env.PULUMI_HOME || path.join(homedir, ".pulumi");
  return path.join(home, "versions", version);
}

/**
 * The Pulumi CLI on PATH when there is one (the user's choice wins); else the one the `pulumi` npm devDependency
 * provides, which downloads the CLI on first use — so after `npm ci` nothing else has to be installed.
 */
export function locatePulumi(run: CommandRunner, lookup: PulumiLookup): PulumiLocation {
  const onPath = probeTool("pulumi", run);
  if (onPath.present) {
    return { kind: "path", version: onPath.detail };
  }
  const shim = path.join(
    lookup.projectDir,
    "node_modules",
    ".bin",
    lookup.platform === "win32" ? "pulumi.cmd" : "pulumi",
  );
  if (!lookup.npmPackageVersion || !lookup.exists(shim)) {
    throw new UserError(
      missingToolMessage("pulumi", lookup.platform, "not on PATH, and node_modules/.bin/pulumi is missing") +
        " Or run `npm ci` in the project first: it installs the `pulumi` npm package, which fetches the CLI itself.",
    );
  }
  // The shim downloads the CLI the first time it runs; `version` makes that happen here, where a failure can
  // still be explained, instead of in the middle of the deploy.
  const result = run(shim, ["version"]);
  if (result.status !== 0) {
    const why = (result.error?.message ?? `${result.stderr}\n${result.stdout}`)
      .trim()
      .replace(/\s*\r?\n\s*/g, "; ");
    throw new UserError(
      `The Pulumi CLI is not on PATH and the \`pulumi\` npm package could not fetch it (${why || "no output"}). ` +
        installHint("pulumi", lookup.platform),
    );
  }
  const version = lookup.env.PULUMI_VERSION || lookup.npmPackageVersion;
  return {
    kind: "npm",
    shim,
    root: npmCliRoot(version, lookup.env, lookup.homedir),
    version: firstLine(result),
  };
}

/**
 * `npm run` puts node_modules/.bin first on PATH, where the `pulumi` npm package's shim would shadow a Pulumi
 * CLI the user installed. Dropping those entries lets "on PATH" mean the user's own CLI; the shim is then used
 * only as the fallback, by its full path.
 */
export function withoutNodeModulesBins(pathValue: string, delimiter: string = path.delimiter): string {
  return pathValue
    .split(delimiter)
    .filter((entry) => {
      const parts = entry.replace(/[\\/]+$/, "").split(/[\\/]/);
      return !(parts[parts.length - 1] === ".bin" && parts[parts.length - 2] === "node_modules");
    })
    .join(delimiter);
}
