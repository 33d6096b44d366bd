/**
 * What every stack command does before Pulumi runs: find the tools, the state backend and the passphrase,
 * open the stack, work out where it deploys, and bring minikube up when the stack needs it. `up`, `down` and
 * `preview` each start with this, then do their own part.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";

import { kubeconfigFiles } from "../../host/kubeconfig";
import { PROJECT_DIR, localMachine } from "../../host/machine";
import { minikubeHome } from "../../host/minikube";
import { type CommandRunner, captureRunner, liveRunner } from "../../host/process";
import type { Invocation } from "./args";
import { type Backend, resolveBackend } from "./backend";
import { UserError } from "./errors";
import { log, step } from "./log";
import { type StackTarget, configValue, ensureMinikube, stackTarget } from "./minikube";
import { resolvePassphrase } from "./passphrase";
import {
  dockerDaemonProblem,
  locatePulumi,
  missingToolMessage,
  probeTool,
  withoutNodeModulesBins,
} from "./prerequisites";
import { promptHidden } from "./prompt";
import { openStack, pulumiCommandFor } from "./workspace";

export interface Session {
  readonly invocation: Invocation;
  readonly projectDir: string;
  readonly platform: NodeJS.Platform;
  readonly backend: Backend;
  readonly stack: Stack;
  readonly target: StackTarget;
  /** Captures output; for probes. */
  readonly run: CommandRunner;
}

function npmPackageVersion(projectDir: string): string | undefined {
  try {
    const file = path.join(projectDir, "node_modules", "pulumi", "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export async function openSession(invocation: Invocation): Promise<Session> {
  const projectDir = PROJECT_DIR;
  const platform = process.platform;
  const run = captureRunner();
  const { command, stack: stackName } = invocation;
  log(`todo-app: ${command} of stack "${stackName}" (from ${invocation.stackSource})`);

  step("Prerequisites");
  // Every child process (pulumi, minikube, kubectl, docker) is looked up without npm's node_modules/.bin.
  process.env.PATH = withoutNodeModulesBins(process.env.PATH ?? "");
  log("Pulumi CLI: looking on PATH, then for the pulumi npm package (its first use downloads the CLI)...");
  const location = locatePulumi(captureRunner(15 * 60_000), {
    projectDir,
    env: process.env,
    homedir: os.homedir(),
    platform,
    exists: (file) => fs.existsSync(file),
    npmPackageVersion: npmPackageVersion(projectDir),
  });
  log(
    `Pulumi CLI: ${location.version} (${location.kind === "path" ? "on PATH" : `pulumi npm package, ${location.root}`})`,
  );

  const backend = resolveBackend(process.env, projectDir);
  if (backend.localDir) {
    fs.mkdirSync(backend.localDir, { recursive: true });
  }
  log(
    `State backend: ${backend.url}` +
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
    envVars.PULUMI_CONFIG_PASSPHRASE = await promptHidden(
      `Passphrase for the secrets of stack "${stackName}" (a new stack is encrypted with it): `,
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
        `Stack "${stackName}" does not exist in ${backend.url}; there is nothing to destroy.`,
      );
    }
    throw error;
  });
  const target = await deployTarget(stack);
  log(`Kube context: ${target.kubeContext}; images built for: ${target.buildTarget}`);

  if (target.usesMinikube) {
    const minikube = probeTool("minikube", run);
    if (!minikube.present) {
      throw new UserError(missingToolMessage("minikube", platform, minikube.detail));
    }
    ensureMinikube(target.minikubeProfile, command, run, liveRunner(), log);
  }
  return { invocation, projectDir, platform, backend, stack, target, run };
}

async function deployTarget(stack: Stack): Promise<StackTarget> {
  const config = await stack.getAllConfig();
  const machine = localMachine();
  const explicitKubeconfig = configValue(config, "kubeconfig") || undefined;
  return stackTarget(
    config,
    machine.readKubeconfig(kubeconfigFiles(explicitKubeconfig, process.env, os.homedir())),
    minikubeHome(process.env, os.homedir()),
  );
}

/** Images are built by this machine's Docker daemon for kind, Docker Desktop and registries. */
export function requireLocalDocker(session: Session): void {
  if (session.target.buildTarget === "minikube") {
    return;
  }
  const docker = probeTool("docker", session.run);
  if (!docker.present) {
    throw new UserError(missingToolMessage("docker", session.platform, docker.detail));
  }
  const daemon = dockerDaemonProblem(session.run, session.platform);
  if (daemon) {
    throw new UserError(daemon);
  }
}

/** How the CLI's live output reaches the terminal. */
export function liveOutput(): { onOutput: (out: string) => void; color: "always" | "never" } {
  return {
    onOutput: (out: string) => process.stdout.write(out),
    color: process.stdout.isTTY ? "always" : "never",
  };
}
