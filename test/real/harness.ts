/**
 * The real suite's side of a command: the README's own commands (`npm run up`, `preview`, `down`, `pulumi`) run
 * as a user runs them, in a child process, against the real cluster and the real Pulumi CLI that
 * scripts/test-real.sh has set up. Each step prints its time; a failed one prints what a user needs to see
 * (the command's own output, the namespace's pods, events and logs).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
export const STACK = "real";
/** Public, and protects nothing: the real stack holds no secret worth the name (Pulumi.real.yaml says so). */
export const PASSPHRASE = "real-suite-throwaway-passphrase";

export interface RealEnvironment {
  /** The kubeconfig the cluster wrote; its context is Pulumi.real.yaml's kubeContext. */
  readonly kubeconfig: string;
  readonly namespace: string;
  /** A fresh file state backend: `npm run up` starts from an empty state. */
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** What is missing for the real suite, or an empty list. */
export function missingForRealSuite(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  if (!env.TODO_REAL_KUBECONFIG || !fs.existsSync(env.TODO_REAL_KUBECONFIG)) {
    missing.push("a running cluster (TODO_REAL_KUBECONFIG): run the suite with `npm run test:real`");
  }
  if (spawnSync("pulumi", ["version"], { env }).status !== 0) {
    missing.push("the Pulumi CLI on PATH: `npm run toolchain` builds it");
  }
  return missing;
}

export function realEnvironment(): RealEnvironment {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-real-state-"));
  const kubeconfig = process.env.TODO_REAL_KUBECONFIG ?? "";
  return {
    kubeconfig,
    namespace: "todo-real",
    stateDir,
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // No prompt can be answered: the child has no terminal.
      CI: "true",
    },
  };
}

export interface CommandRun {
  readonly code: number | null;
  readonly output: string;
  readonly seconds: number;
}

/**
 * Runs `npm run <script> -- <args>` from the repository root, its output shown live (prefixed) and kept, and
 * prints the step's time. Resolves whatever the exit code; the caller asserts.
 */
export function npmRun(
  real: RealEnvironment,
  script: string,
  args: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<CommandRun> {
  const started = Date.now();
  const label = `npm run ${script}${args.length ? ` -- ${args.join(" ")}` : ""}`;
  console.log(`\n>>> ${label}`);
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", script, "--", ...args], {
      cwd: REPO,
      env: real.env,
      stdio: ["ignore", "pipe", "pipe"],
      signal: options.signal,
    });
    let output = "";
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      process.stdout.write(text.replace(/^/gm, "    | "));
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (Date.now() - started) / 1000;
      console.log(`<<< ${label}: exit ${code}, ${seconds.toFixed(1)} s`);
      resolve({ code, output, seconds });
    });
  });
}

/** kubectl against the real cluster's kubeconfig, as an argument list. */
export function kubectl(
  real: RealEnvironment,
  args: readonly string[],
): { code: number | null; stdout: string } {
  const result = spawnSync("kubectl", ["--kubeconfig", real.kubeconfig, ...args], {
    encoding: "utf8",
    env: real.env,
    timeout: 120_000,
  });
  return { code: result.status, stdout: `${result.stdout ?? ""}${result.status === 0 ? "" : result.stderr}` };
}

/** What a user needs to see when a step fails: the namespace's pods, recent events and the app's last logs. */
export function diagnostics(real: RealEnvironment): string {
  const sections = [
    ["pods", ["get", "pods", "-n", real.namespace, "-o", "wide"]],
    ["events", ["get", "events", "-n", real.namespace, "--sort-by=.lastTimestamp"]],
    [
      "backend logs",
      ["logs", "-n", real.namespace, "-l", "app.kubernetes.io/component=backend", "--tail=30"],
    ],
    [
      "frontend logs",
      ["logs", "-n", real.namespace, "-l", "app.kubernetes.io/component=frontend", "--tail=30"],
    ],
    [
      "database logs",
      ["logs", "-n", real.namespace, "-l", "app.kubernetes.io/component=database", "--tail=30"],
    ],
  ] as const;
  return sections.map(([name, args]) => `--- ${name}\n${kubectl(real, args).stdout.trim()}`).join("\n");
}

/** The resource changes of the stack's last update, from the engine's own history (not a log line of ours). */
export function lastUpdateChanges(real: RealEnvironment): Record<string, number> {
  const result = spawnSync("pulumi", ["stack", "history", "--stack", STACK, "--json", "--page-size", "1"], {
    cwd: REPO,
    encoding: "utf8",
    env: real.env,
  });
  if (result.status !== 0) throw new Error(`pulumi stack history failed: ${result.stderr}`);
  const [last] = JSON.parse(result.stdout) as { resourceChanges?: Record<string, number> }[];
  return last?.resourceChanges ?? {};
}

/** The stack's outputs, as `pulumi stack output --json` prints them. */
export function stackOutputs(real: RealEnvironment): Record<string, unknown> {
  const result = spawnSync("pulumi", ["stack", "output", "--stack", STACK, "--json"], {
    cwd: REPO,
    encoding: "utf8",
    env: real.env,
  });
  if (result.status !== 0) throw new Error(`pulumi stack output failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
