/**
 * What every stack command does before Pulumi runs: find the tools, the state backend and the passphrase,
 * open the stack, work out where it deploys, bring minikube up when the stack needs it, and (for `up` and
 * `preview`) check the Docker daemon the images are built with. `up`, `down` and `preview` each start with
 * this, then do their own part.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";

import { type Kubeconfig, kubeconfigFiles } from "../../host/kubeconfig";
import { PROJECT_DIR, localMachine } from "../../host/machine";
import { type MinikubeStatus, minikubeHome } from "../../host/minikube";
import { type CommandRunner, captureRunner, liveRunner } from "../../host/process";
import { type Invocation, shortStackName } from "./args";
import { type Backend, backendLabel, resolveBackend, stackBackendProblem } from "./backend";
import { type BuildDaemon, buildDaemonOf, buildDaemonProblem, describeDaemon } from "./daemon";
import { UserError } from "./errors";
import { log, step } from "./log";
import {
  type StackTarget,
  configValue,
  ensureMinikube,
  minikubeBuildsLocally,
  stackTarget,
} from "./minikube";
import { requireNonEmptyPassphrase, resolvePassphrase } from "./passphrase";
import {
  PULUMI_ONLY,
  type PulumiLocation,
  checkPrerequisites,
  checkTools,
  missingToolMessage,
  probeTool,
  npmPackageVersion,
  toolNeeds,
  withoutNodeModulesBins,
} from "./prerequisites";
import { promptHidden } from "./prompt";
import { acquireStackLock, stackLockKey } from "./stackLock";
import { type PlainConfig, stackFileConfig } from "./stackFile";
import { checkStackSettings, plainConfigOf } from "./settings";
import { type StateResource, holdsNothing, stateResources } from "./teardown";
import { openStack, pulumiCommandFor, readStackConfig } from "./workspace";

export interface Session {
  readonly invocation: Invocation;
  readonly projectDir: string;
  readonly platform: NodeJS.Platform;
  readonly backend: Backend;
  readonly location: PulumiLocation;
  readonly stack: Stack;
  readonly target: StackTarget;
  /** The merged kubeconfig the stack's context is read from, when it could be read. */
  readonly kubeconfig?: Kubeconfig;
  /** The minikube profile's state once the session brought it up; undefined when the stack is not on minikube. */
  readonly minikube?: MinikubeStatus;
  /** The Docker daemon the program's docker provider connects to. */
  readonly daemon: BuildDaemon;
  /** Captures output; for probes. */
  readonly run: CommandRunner;
  /**
   * `down` only, when the state holds nothing to destroy (holdsNothing): its resources, read once here. No tool
   * was required then, and minikube was not started.
   */
  readonly emptyState?: readonly StateResource[];
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Where the stack deploys, as its configuration (or, before the stack is open, its stack file) says. */
interface Placement {
  readonly target: StackTarget;
  readonly kubeconfig?: Kubeconfig;
  readonly dockerHost: string;
  readonly dockerCertPath: string;
}

function placement(config: PlainConfig): Placement {
  const machine = localMachine();
  const explicitKubeconfig = configValue(config, "kubeconfig") || undefined;
  const kubeconfig = machine.readKubeconfig(kubeconfigFiles(explicitKubeconfig, process.env, os.homedir()));
  const target = stackTarget(config, kubeconfig, minikubeHome(process.env, os.homedir()));
  return {
    target,
    kubeconfig,
    dockerHost: configValue(config, "dockerHost"),
    dockerCertPath: configValue(config, "dockerCertPath"),
  };
}

export async function openSession(invocation: Invocation): Promise<Session> {
  const projectDir = PROJECT_DIR;
  const platform = process.platform;
  const run = captureRunner();
  const { command, stack: stackName } = invocation;
  log(`todo-app: ${command} of stack "${stackName}" (from ${invocation.stackSource})`);

  const backend = resolveBackend(process.env, projectDir);
  const backendProblem = stackBackendProblem(stackName, backend);
  if (backendProblem) {
    throw new UserError(backendProblem);
  }
  // Before anything is probed, prompted for or started: a second run of this stack stops here, naming the
  // first (scripts/lib/stackLock.ts). Held until this process exits.
  acquireStackLock({
    backendUrl: backend.url,
    stackKey: stackLockKey(stackName, backend.kind),
    stackName,
    command,
  });

  step("Prerequisites");
  // Every child process (pulumi, minikube, kubectl, docker) is looked up without npm's node_modules/.bin.
  process.env.PATH = withoutNodeModulesBins(process.env.PATH ?? "");
  // A stack file that is not valid YAML is named here, with its line, before anything else is probed.
  const stackFile = path.join(projectDir, `Pulumi.${shortStackName(stackName)}.yaml`);
  stackFileConfig(readText(stackFile), path.basename(stackFile));
  // The Pulumi CLI first, alone: it reads the settings, which are checked before any other tool is touched.
  log("Pulumi CLI: looking on PATH, then for the pulumi npm package (its first use downloads the CLI)...");
  const { location } = checkPrerequisites(
    run,
    {
      projectDir,
      env: process.env,
      homedir: os.homedir(),
      platform,
      exists: (file) => fs.existsSync(file),
      npmPackageVersion: npmPackageVersion(projectDir),
    },
    PULUMI_ONLY,
    captureRunner(15 * 60_000),
  );
  log(
    `Pulumi CLI: ${location.version} (${location.kind === "path" ? "on PATH" : `pulumi npm package, ${location.root}`})`,
  );

  if (backend.localDir) {
    fs.mkdirSync(backend.localDir, { recursive: true });
  }
  log(
    `State backend: ${backendLabel(backend)}` +
      (backend.source === "default"
        ? " (self-managed, in this project; set PULUMI_BACKEND_URL to use another)"
        : " (from PULUMI_BACKEND_URL)"),
  );

  const passphrase = resolvePassphrase(process.env, {
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    readable,
  });
  const envVars: Record<string, string> = { PULUMI_BACKEND_URL: backend.url };
  if (passphrase.kind === "prompt") {
    // Handed to Pulumi's processes only; never written anywhere.
    envVars.PULUMI_CONFIG_PASSPHRASE = requireNonEmptyPassphrase(
      await promptHidden(
        `Passphrase for the secrets of stack "${stackName}" (a new stack is encrypted with it): `,
      ),
    );
  } else {
    log(`Secrets passphrase: from ${passphrase.variable}`);
  }

  step(`Stack "${stackName}"`);
  const stack = await openStack({
    stackName,
    workDir: projectDir,
    envVars,
    pulumiCommand: await pulumiCommandFor(location),
    mustExist: command === "down",
  }).catch((error: unknown) => {
    if ((error as Error).name === "StackNotFoundError") {
      throw new UserError(
        `Stack "${stackName}" does not exist in ${backendLabel(backend)}; there is nothing to destroy.`,
      );
    }
    throw error;
  });
  // The settings as `pulumi up` will hand them to the program, checked by the program's own validation before
  // minikube, Docker or a build is touched (down destroys whatever the settings say now).
  const entries = readStackConfig(stack);
  if (command !== "down") {
    checkStackSettings(entries, stackName, localMachine());
    log("Settings: valid");
  }
  const { target, kubeconfig, dockerHost, dockerCertPath } = placement(plainConfigOf(entries));
  log(`Kube context: ${target.kubeContext}; images built for: ${target.buildTarget}`);
  // down of a stack that holds nothing (never deployed, or destroyed already) needs no cluster: no tool is
  // required and minikube is not started (scripts/commands/down.ts says there is nothing to destroy).
  const resources = command === "down" ? stateResources(await stack.exportStack()) : undefined;
  const emptyState = resources !== undefined && holdsNothing(resources) ? resources : undefined;
  if (!emptyState) {
    checkTools(run, platform, toolNeeds(command, target)).forEach((note) => log(`Note: ${note}`));
  }

  let minikube: MinikubeStatus | undefined;
  let buildsLocally = false;
  if (target.usesMinikube && !emptyState) {
    // dev starts the profile as up does.
    minikube = ensureMinikube(
      target.minikubeProfile,
      command === "dev" ? "up" : command,
      run,
      liveRunner(),
      log,
      {
        containerRuntime: target.minikubeContainerRuntime,
      },
    );
    // A profile that runs containerd or CRI-O has no Docker daemon to build in: the program builds with this
    // machine's and loads the image into the profile (config/probe.ts), so the local daemon is the one to check.
    buildsLocally =
      dockerHost === "" && minikube.state !== "absent" && minikubeBuildsLocally(target.minikubeProfile, run);
    if (buildsLocally) {
      requireTool("docker", run, platform);
    }
  }
  const daemon = buildDaemonOf(target, dockerHost, dockerCertPath, buildsLocally);
  const session: Session = {
    invocation,
    projectDir,
    platform,
    backend,
    location,
    stack,
    target,
    kubeconfig,
    minikube,
    daemon,
    run,
    emptyState,
  };
  if (checksBuildDaemonFirst(command)) {
    requireBuildDaemon(session);
  }
  return session;
}

/**
 * up and preview need the build daemon whatever the stack holds; down decides for itself (scripts/lib/teardown.ts),
 * because a deleted cluster takes its daemon along and down must still finish.
 */
export function checksBuildDaemonFirst(command: Invocation["command"]): boolean {
  return command !== "down";
}

/** Stops with the install command when a tool the stack turned out to need (after the first pass) is missing. */
function requireTool(tool: "minikube" | "docker", run: CommandRunner, platform: NodeJS.Platform): void {
  const probe = probeTool(tool, run);
  if (!probe.present) {
    throw new UserError(missingToolMessage(tool, platform, probe.detail));
  }
}

/** Stops with how to start the build daemon when it does not answer (see scripts/lib/daemon.ts for why). */
export function requireBuildDaemon(session: Pick<Session, "daemon" | "run" | "platform">): void {
  const problem = buildDaemonProblem(session.daemon, session.run, session.platform);
  if (problem) {
    throw new UserError(problem);
  }
  log(`Build daemon: ${describeDaemon(session.daemon)} answers`);
}

/** How the CLI's live output reaches the terminal. */
export function liveOutput(): { onOutput: (out: string) => void; color: "always" | "never" } {
  return {
    onOutput: (out: string) => process.stdout.write(out),
    color: process.stdout.isTTY ? "always" : "never",
  };
}
