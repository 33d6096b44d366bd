/**
 * `npm run up | down | preview [-- --stack NAME]`: one command from a fresh clone to a running, health-checked
 * app. Thin glue over scripts/lib (where every decision is made and unit-tested) and Pulumi's Automation API.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { kubeconfigFiles, minikubeHome } from "../lib/buildTarget";
import { PROJECT_DIR, localMachine } from "../lib/machine";
import { namespaceForStack } from "../lib/validation";
import { type Invocation, parseInvocation } from "./lib/args";
import { resolveBackend } from "./lib/backend";
import { UserError } from "./lib/errors";
import {
  BACKEND_DEPLOYMENT,
  type CheckResult,
  DEFAULT_BACKEND_URL,
  FRONTEND_DEPLOYMENT,
  backendHealth,
  findKubectl,
  pollHealth,
  rolloutStatus,
  summarize,
} from "./lib/health";
import { ensureMinikube, stackTarget } from "./lib/minikube";
import { resolvePassphrase } from "./lib/passphrase";
import {
  dockerDaemonProblem,
  locatePulumi,
  missingToolMessage,
  probeTool,
  withoutNodeModulesBins,
} from "./lib/prerequisites";
import { captureRunner, liveRunner } from "./lib/process";
import { promptHidden } from "./lib/prompt";
import { explainPulumiError, openStack, pulumiCommandFor } from "./lib/workspace";

const log = (line: string) => console.log(line);
const step = (line: string) => console.log(`\n==> ${line}`);

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

async function main(invocation: Invocation): Promise<number> {
  const projectDir = PROJECT_DIR;
  const platform = process.platform;
  const run = captureRunner();
  const runLive = liveRunner();
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
  const pulumiCommand = await pulumiCommandFor(location);
  const stack = await openStack({
    stackName,
    workDir: projectDir,
    envVars,
    pulumiCommand,
    mustExist: command === "down",
  }).catch((error: unknown) => {
    if ((error as Error).name === "StackNotFoundError") {
      throw new UserError(
        `Stack "${stackName}" does not exist in ${backend.url}; there is nothing to destroy.`,
      );
    }
    throw error;
  });
  const config = await stack.getAllConfig();
  const machine = localMachine(projectDir);
  const explicitKubeconfig = config["todo-app:kubeconfig"]?.value?.trim() || undefined;
  const target = stackTarget(
    config,
    machine.readKubeconfig(kubeconfigFiles(explicitKubeconfig, process.env, os.homedir())),
    minikubeHome(process.env, os.homedir()),
  );
  log(`Kube context: ${target.kubeContext}; images built for: ${target.buildTarget}`);

  if (target.usesMinikube) {
    const minikube = probeTool("minikube", run);
    if (!minikube.present) {
      throw new UserError(missingToolMessage("minikube", platform, minikube.detail));
    }
    ensureMinikube(target.minikubeProfile, command, run, runLive, log);
  }
  if (command === "up" && target.buildTarget !== "minikube") {
    // Images are built by this machine's Docker daemon for kind, Docker Desktop and registries.
    const docker = probeTool("docker", run);
    if (!docker.present) {
      throw new UserError(missingToolMessage("docker", platform, docker.detail));
    }
    const daemon = dockerDaemonProblem(run, platform);
    if (daemon) {
      throw new UserError(daemon);
    }
  }

  const color = process.stdout.isTTY ? "always" : "never";
  const onOutput = (out: string) => process.stdout.write(out);
  if (command === "preview") {
    step("pulumi preview");
    await stack.preview({ onOutput, color });
    return 0;
  }
  if (command === "down") {
    // Read before the destroy, which empties the outputs: the database claim, if any, is named in the note.
    const before = await stack.outputs();
    const claim: unknown = before.databaseClaim?.value;
    const claimNamespace: unknown = before.namespace?.value;
    step("pulumi destroy");
    await stack.destroy({ onOutput, color });
    log(
      `\nStack "${stackName}" is destroyed; its state and config stay (remove with \`npx pulumi stack rm ${stackName}\`).`,
    );
    log(
      typeof claim === "string" && claim !== "" && typeof claimNamespace === "string"
        ? "Note: the in-cluster database volume is retained on purpose, so its data survives a later `npm run up`. " +
            `To drop it: kubectl --context ${target.kubeContext} -n ${claimNamespace} delete pvc ${claim}`
        : "Note: an in-cluster database volume, when the stack has one, is retained on purpose; delete its PVC to drop the data.",
    );
    return 0;
  }

  step("pulumi up");
  await stack.up({ onOutput, color });
  const outputs = await stack.outputs();
  const text = (key: string): string | undefined => {
    const value: unknown = outputs[key]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const frontendUrl = text("frontendUrl");
  const urlCommand = text("frontendUrlCommand");
  const namespace = text("namespace") ?? namespaceForStack(stackName);

  step("The app");
  log(`Frontend: ${frontendUrl ?? "(the stack has no frontendUrl output)"}`);
  if (urlCommand) {
    log(`If that address does not open from this machine (minikube on macOS or Windows), run: ${urlCommand}`);
  }

  step("Health checks");
  const results: CheckResult[] = [];
  const kubectl = findKubectl(run, {
    kubeContext: target.kubeContext,
    kubeconfig: target.kubeconfig,
    minikubeProfile: target.usesMinikube ? target.minikubeProfile : undefined,
  });
  if (kubectl) {
    // pulumi-kubernetes already waited for the Deployments; this confirms it from the cluster's side.
    const waiting = captureRunner(200_000);
    results.push(rolloutStatus(kubectl, waiting, namespace, BACKEND_DEPLOYMENT));
    results.push(rolloutStatus(kubectl, waiting, namespace, FRONTEND_DEPLOYMENT));
  }
  if (frontendUrl) {
    const frontend = await pollHealth(
      "frontend /api/health",
      `${frontendUrl.replace(/\/+$/, "")}/api/health`,
      {
        fetch: (url, init) => fetch(url, init),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log,
      },
    );
    results.push(
      frontend.verdict === "FAIL" && urlCommand
        ? {
            ...frontend,
            detail: `${frontend.detail}. If the node address is not routable here, try: ${urlCommand}`,
          }
        : frontend,
    );
  } else {
    results.push({
      name: "frontend /api/health",
      verdict: "FAIL",
      detail: "the stack exported no frontendUrl",
    });
  }
  results.push(
    kubectl
      ? backendHealth(
          kubectl,
          captureRunner(60_000),
          namespace,
          text("backendUrlInCluster") ?? DEFAULT_BACKEND_URL,
        )
      : { name: "backend /health", verdict: "SKIP", detail: missingToolMessage("kubectl", platform) },
  );
  const summary = summarize(results);
  log("");
  summary.lines.forEach((line) => log(line));
  return summary.ok ? 0 : 1;
}

let invocation: Invocation;
try {
  invocation = parseInvocation(process.argv.slice(2), process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

main(invocation).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UserError) {
      console.error(`\n${error.message}`);
    } else {
      console.error(`\n${invocation.command} failed:\n${explainPulumiError(error)}`);
    }
    process.exit(1);
  },
);
