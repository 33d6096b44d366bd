/**
 * Finds the tools a deploy needs and says how to install whichever is missing, for the platform the user is on.
 * Every probe goes through an injected CommandRunner, so the tests replay each machine without installing
 * anything.
 */
import * as fs from "fs";
import { dockerCliArgs } from "../../host/docker";
import { kindClusterOf } from "../../host/buildTarget";
import * as path from "path";

import { qualified } from "../../catalog";
import type { CommandResult, CommandRunner } from "../../host/process";
import { UserError } from "./errors";

export const TOOLS = ["pulumi", "minikube", "docker", "kubectl", "kind"] as const;
export type Tool = (typeof TOOLS)[number];

/** An install command, or one that depends on the machine's architecture (Node's `process.arch`). */
type Hint = string | ((arch: string) => string);
type Hints = Partial<Record<NodeJS.Platform, Hint>> & { readonly default: Hint };

const MINIKUBE_ARCH = new Map([
  ["x64", "amd64"],
  ["arm64", "arm64"],
  ["arm", "arm"],
  ["ppc64", "ppc64le"],
  ["s390x", "s390x"],
]);

/**
 * minikube's name for a Linux machine's architecture (its release binaries are minikube-linux-<arch>), from
 * Node's `process.arch`; undefined where minikube publishes no binary. Node's `ppc64` is little-endian on Linux.
 */
export function minikubeArch(arch: string): string | undefined {
  return MINIKUBE_ARCH.get(arch);
}

function minikubeLinuxHint(arch: string): string {
  const binary = minikubeArch(arch);
  return binary === undefined
    ? `minikube publishes no Linux binary for ${arch}; see the page below`
    : `curl -LO https://storage.googleapis.com/minikube/releases/latest/minikube-linux-${binary} && ` +
        `sudo install minikube-linux-${binary} /usr/local/bin/minikube`;
}

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
      linux: minikubeLinuxHint,
      default: "the binary for your platform from the page below",
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
  kind: {
    hints: {
      darwin: "brew install kind",
      win32: "winget install Kubernetes.kind",
      default: "go install sigs.k8s.io/kind@latest, or the binary for your platform from kind's releases",
    },
    docs: "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
  },
};

/** `arch` is Node's name for this machine's architecture; it picks the binary where the command downloads one. */
export function installHint(tool: Tool, platform: NodeJS.Platform, arch: string = process.arch): string {
  return `Install it: ${installCommand(tool, platform, arch)}  (other ways: ${INSTALL[tool].docs})`;
}

function installCommand(tool: Tool, platform: NodeJS.Platform, arch: string = process.arch): string {
  const { hints } = INSTALL[tool];
  const hint = hints[platform] ?? hints.default;
  return typeof hint === "function" ? hint(arch) : hint;
}

/** Why a tool is needed, so the message says what the missing tool would have done. */
const PURPOSE: Record<Tool, string> = {
  pulumi: "runs the deployment",
  minikube: "runs the local Kubernetes cluster this stack deploys to",
  docker: "builds the images on this machine",
  kubectl: "checks the rollout and the backend's health after the deploy",
  kind: "loads the images into the kind cluster's nodes",
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
  kind: ["version"],
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

/**
 * Whether the Docker daemon answers (the CLI can be installed while Docker Desktop is not running): the local
 * one (DOCKER_HOST, when set, as the docker provider reads it too), or the explicit `endpoint`.
 */
export function dockerDaemonProblem(
  run: CommandRunner,
  platform: NodeJS.Platform,
  endpoint?: { host: string; certPath?: string },
): string | undefined {
  const result = run("docker", [...dockerCliArgs(endpoint), "info", "--format", "{{.ServerVersion}}"]);
  if (result.status === 0) {
    return undefined;
  }
  if (result.error || result.status === null) {
    return `The docker CLI, which checks the daemon, could not be run (${result.error?.message ?? "not found"}). ${installHint("docker", platform)}`;
  }
  const output = `${result.stderr}\n${result.stdout}`.trim().split(/\r?\n/)[0] ?? "";
  if (endpoint) {
    return (
      `The Docker daemon at ${endpoint.host} (${qualified("dockerHost")}) does not answer (${output || "no output"}); ` +
      "start it, or point the stack at another with `npm run pulumi -- config set dockerHost <address>` " +
      "(`config rm dockerHost` for the default), then run again."
    );
  }
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
  /** The Node.js binary that probes a failed download (downloadProbe). Default: the one running this process. */
  readonly node?: string;
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
 * The oldest Pulumi CLI this project works with: 3.257.0. Before it, `destroy --exclude <images>` (the first
 * step of `npm run down`) still configures the providers it keeps: an untargeted provider gets a SameStep whose
 * Apply loads and configures it (pulumi/pulumi pkg/resource/deploy/step.go SameStep.Apply, up to v3.252.0), and
 * the docker provider's Configure pings a daemon that `minikube delete` took away, so `down` failed before it
 * deleted anything. From 3.257.0 (#24259, "avoid configuring providers when they are not targeted"; in the
 * v3.260.0 module, `SameStep.Apply` skips `untargeted` providers) it does not. Earlier floors (object-typed
 * settings, 3.187.0) are below it. Pulumi.yaml's `requiredPulumiVersion` says the same, but only a CLI of
 * 3.219.0 or later enforces it (CHANGELOG 3.219.0, #21627), so this check stops an older one. A test keeps the
 * two in step.
 */
export const PULUMI_FLOOR = "3.257.0";

/** `v3.265.0`, `3.190.1-dev.0` → [3, 265, 0]; undefined for anything else. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function olderThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return false;
}

/** Why this Pulumi CLI is too old for the project, or undefined. An unreadable version is let through. */
export function pulumiVersionProblem(
  version: string,
  where: "path" | "npm",
  platform: NodeJS.Platform,
): string | undefined {
  const found = parseVersion(version);
  const floor = parseVersion(PULUMI_FLOOR)!;
  if (!found || !olderThan(found, floor)) {
    return undefined;
  }
  const upgrade =
    where === "path"
      ? `Upgrade it (${installCommand("pulumi", platform)}), or take it off your PATH so ` +
        "the project's own CLI is used: `npm ci` installs the pinned `pulumi` npm package, which fetches a new " +
        "enough CLI itself."
      : "It is the `pulumi` npm package's download: unset PULUMI_VERSION if it names an old version, and run " +
        "`npm ci` to install the pinned package.";
  return (
    `The Pulumi CLI ${version} (${where === "path" ? "on PATH" : "from the pulumi npm package"}) is older than ` +
    `${PULUMI_FLOOR}, the oldest this project works with (before it, \`npm run down\` fails on a cluster that ` +
    `was deleted). ${upgrade}`
  );
}

/**
 * The Pulumi CLI on PATH when there is one (the user's choice wins); else the one the `pulumi` npm devDependency
 * provides, which downloads the CLI on first use — so after `npm ci` nothing else has to be installed. Either
 * must be at least PULUMI_FLOOR.
 */
export function locatePulumi(run: CommandRunner, lookup: PulumiLookup): PulumiLocation {
  const onPath = probeTool("pulumi", run);
  if (onPath.present) {
    const tooOld = pulumiVersionProblem(onPath.detail, "path", lookup.platform);
    if (tooOld) {
      throw new UserError(tooOld);
    }
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
    const why = withoutCredentials(result.error?.message ?? `${result.stderr}\n${result.stdout}`)
      .trim()
      .replace(/\s*\r?\n\s*/g, "; ");
    const url = pulumiInstallScriptUrl(lookup.platform);
    const cause = /fetch failed/.test(why)
      ? downloadFailureCause(
          run(lookup.node ?? process.execPath, ["-e", downloadProbe(url)]),
          url,
          lookup.env,
        )
      : undefined;
    throw new UserError(
      `The Pulumi CLI is not on PATH and the \`pulumi\` npm package could not fetch it (${why || "no output"}). ` +
        (cause ? `${cause} ` : "") +
        installHint("pulumi", lookup.platform),
    );
  }
  const version = lookup.env.PULUMI_VERSION || lookup.npmPackageVersion;
  const found = firstLine(result);
  const tooOld = pulumiVersionProblem(found, "npm", lookup.platform);
  if (tooOld) {
    throw new UserError(tooOld);
  }
  return {
    kind: "npm",
    shim,
    root: npmCliRoot(version, lookup.env, lookup.homedir),
    version: found,
  };
}

/**
 * What the `pulumi` npm package's launcher fetches first: the official install script, with Node's own fetch
 * (node_modules/pulumi/lib/download.js, INSTALL_SH_URL and INSTALL_PS1_URL; a test keeps the two in step).
 */
export function pulumiInstallScriptUrl(platform: NodeJS.Platform): string {
  return platform === "win32" ? "https://get.pulumi.com/install.ps1" : "https://get.pulumi.com/install.sh";
}

/**
 * A Node.js script that fetches `url` as the launcher does and prints one JSON line: `{"status":200}`, or the
 * failure's code and message. The launcher prints only Node's "fetch failed"; the reason (ENOTFOUND,
 * ECONNREFUSED, a certificate error) is in the error's `cause` (undici's TypeError; shown on a real refused
 * connection by test/scripts/prerequisitesFirstRun.test.ts), which this prints.
 */
export function downloadProbe(url: string): string {
  return [
    `fetch(${JSON.stringify(url)}, { method: "HEAD", signal: AbortSignal.timeout(15000) })`,
    "  .then((r) => console.log(JSON.stringify({ status: r.status })))",
    "  .catch((e) => {",
    "    const c = e.cause || {};",
    "    console.log(JSON.stringify({ code: c.code || e.code || e.name, message: String(c.message || e.message) }));",
    "  });",
  ].join("\n");
}

/** A URL's `user:password@` removed from any text, so a proxy's credentials never reach a message. */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^\s/@]+@/g, "//");
}

const RESOLVE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"]);
const CONNECT_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "TimeoutError",
]);

/**
 * Why the launcher's fetch failed, from downloadProbe's output: the host it could not resolve or reach, or the
 * certificate it did not trust, and what a proxy has to do with it. Undefined when the probe said nothing usable.
 */
export function downloadFailureCause(
  probe: CommandResult,
  url: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  let answer: { status?: number; code?: string; message?: string };
  try {
    answer = JSON.parse(probe.stdout.trim().split(/\r?\n/).pop() ?? "") as typeof answer;
  } catch {
    return undefined;
  }
  if (typeof answer !== "object" || answer === null) {
    return undefined;
  }
  const host = new URL(url).host;
  if (answer.status !== undefined) {
    return `${host} answers now (HTTP ${answer.status}), so the failure may have passed: run again.`;
  }
  const code = answer.code ?? "unknown";
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return (
      `The certificate ${host} presented was not trusted (${code}): a proxy that inspects TLS presents its own; ` +
      "point NODE_EXTRA_CA_CERTS at its CA certificate file and run again."
    );
  }
  const proxy = proxyInEnv(env);
  if (proxy && env.NODE_USE_ENV_PROXY === "1") {
    return (
      `Reaching ${host} through the proxy ${proxy.variable} names${proxy.address} failed (${code}: ` +
      `${withoutCredentials(answer.message ?? "")}): check that the proxy answers.`
    );
  }
  const what = RESOLVE_CODES.has(code)
    ? `This machine could not resolve ${host} (${code}): it is offline, its DNS does not answer, or only a proxy ` +
      "reaches the internet."
    : code === "ECONNREFUSED"
      ? `The connection to ${host} was refused (ECONNREFUSED): a firewall, or a network that allows only its proxy.`
      : CONNECT_CODES.has(code)
        ? `The connection to ${host} failed (${code}): a firewall, or a network that allows only its proxy.`
        : `Reaching ${host} failed (${code}: ${withoutCredentials(answer.message ?? "")}).`;
  // Node's fetch, which the launcher downloads with, ignores HTTPS_PROXY unless NODE_USE_ENV_PROXY=1
  // (nodejs/node doc/api/cli.md, `NODE_USE_ENV_PROXY=1`, from #57165: "parses the HTTP_PROXY, HTTPS_PROXY and
  // NO_PROXY environment variables ... This currently only affects requests sent over fetch()"; the release
  // lines that carry it, 22.21+ and 24.5+, are not checked here); curl, brew and winget do not depend on it.
  const orInstall = "(Node 22.21+ or 24.5+), or install the CLI with the command that follows";
  return proxy
    ? `${what} ${proxy.variable} is set${proxy.address}, but Node's fetch ignores it: set NODE_USE_ENV_PROXY=1 ` +
        `too ${orInstall}.`
    : `${what} Behind a proxy? Set HTTPS_PROXY to it and NODE_USE_ENV_PROXY=1 ${orInstall}.`;
}

/** The HTTPS proxy the environment names, by its scheme, host and port only: never its credentials. */
function proxyInEnv(env: NodeJS.ProcessEnv): { variable: string; address: string } | undefined {
  const variable = ["HTTPS_PROXY", "https_proxy"].find((name) => env[name]);
  if (variable === undefined) {
    return undefined;
  }
  try {
    const parsed = new URL(env[variable]!);
    return { variable, address: ` (${parsed.protocol}//${parsed.host})` };
  } catch {
    return { variable, address: "" };
  }
}

/** Which tools a command needs on this stack, decided from where the stack deploys. */
export interface ToolNeeds {
  /** The stack deploys to a minikube profile. */
  readonly minikube: boolean;
  /** Images are built by this machine's Docker daemon (buildTarget docker or registry). */
  readonly docker: boolean;
  /** kubectl is used (health checks, reachability) but has a fallback, so its absence is only noted. */
  readonly kubectl: boolean;
  /** `up` of a kind cluster loads each new image into its nodes with `kind`. */
  readonly kind?: boolean;
}

/** The tools `command` needs for a stack that deploys to `target` (see StackTarget in scripts/lib/minikube.ts). */
export function toolNeeds(
  command: "up" | "down" | "preview" | "dev",
  target: { readonly usesMinikube: boolean; readonly buildTarget: string; readonly kubeContext?: string },
): ToolNeeds {
  return {
    // dev deploys as up does, and then again on every change.
    kind:
      (command === "up" || command === "dev") &&
      target.buildTarget === "docker" &&
      kindClusterOf(target.kubeContext ?? "") !== undefined,
    minikube: target.usesMinikube,
    docker: target.buildTarget !== "minikube",
    // up's health checks and down's reachability check use it; a preview never does.
    kubectl: command !== "preview",
  };
}

export interface Prerequisites {
  readonly location: PulumiLocation;
  /** Tools that are missing but have a fallback: printed, and the command goes on. */
  readonly notes: string[];
}

/**
 * Probes every tool the command needs and reports all that are missing in one message, each with its install
 * command, so a new machine is set up in one pass instead of one failure at a time. `cliRun` finds the Pulumi
 * CLI (its first use may download it, so it may wait longer than the other probes).
 */
export function checkPrerequisites(
  run: CommandRunner,
  lookup: PulumiLookup,
  needs: ToolNeeds,
  cliRun: CommandRunner = run,
): Prerequisites {
  const missing: string[] = [];
  let location: PulumiLocation | undefined;
  try {
    location = locatePulumi(cliRun, lookup);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    missing.push(error.message);
  }
  const tools = probeTools(run, lookup.platform, needs);
  missing.push(...tools.missing);
  if (missing.length > 0 || !location) {
    throw new UserError(missingMessage(missing, tools.notes));
  }
  return { location, notes: tools.notes };
}

/** The Pulumi CLI alone: what a command needs before it can read the stack's settings. */
export const PULUMI_ONLY: ToolNeeds = { minikube: false, docker: false, kubectl: false, kind: false };

/**
 * The tools other than the Pulumi CLI that the command needs on this stack, probed once the stack's settings
 * say where it deploys (and have passed their check): every missing one in one message, or the notes.
 */
export function checkTools(run: CommandRunner, platform: NodeJS.Platform, needs: ToolNeeds): string[] {
  const { missing, notes } = probeTools(run, platform, needs);
  if (missing.length > 0) {
    throw new UserError(missingMessage(missing, notes));
  }
  return notes;
}

function probeTools(
  run: CommandRunner,
  platform: NodeJS.Platform,
  needs: ToolNeeds,
): { missing: string[]; notes: string[] } {
  const missing: string[] = [];
  for (const tool of ["minikube", "docker", "kind"] as const) {
    if (!needs[tool]) continue;
    const status = probeTool(tool, run);
    if (!status.present) {
      missing.push(missingToolMessage(tool, platform, status.detail));
    }
  }
  const notes: string[] = [];
  if (needs.kubectl) {
    const status = probeTool("kubectl", run);
    if (!status.present) {
      notes.push(
        `${missingToolMessage("kubectl", platform, status.detail)} Until then the checks use ` +
          "`minikube kubectl --` where minikube is installed, and are skipped otherwise.",
      );
    }
  }
  return { missing, notes };
}

function missingMessage(missing: readonly string[], notes: readonly string[]): string {
  const one = missing.length === 1;
  return (
    `${one ? "One prerequisite is" : `${missing.length} prerequisites are`} missing or too old:\n` +
    `${missing.map((m) => `  - ${m}`).join("\n")}\n` +
    (notes.length > 0 ? `Also:\n${notes.map((n) => `  - ${n}`).join("\n")}\n` : "") +
    `Install ${one ? "it" : "them"} and run again.`
  );
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

/** The version of the `pulumi` npm package installed in the project, or undefined when it is not installed. */
export function npmPackageVersion(projectDir: string): string | undefined {
  try {
    const file = path.join(projectDir, "node_modules", "pulumi", "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
