import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";

// Helpers shared by the frontend and end-to-end suites: build the Next.js app once, run its standalone server
// the way the image does, and start or stop helper processes without leaking them.

export const repoRoot = path.resolve(__dirname, "..", "..");
export const frontendDir = path.join(repoRoot, "app", "frontend");
const standaloneDir = path.join(frontendDir, ".next", "standalone");
const buildIdFile = path.join(standaloneDir, ".next", "BUILD_ID");

/** Inputs of `next build`; a build older than any of them is redone. */
const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "package.json",
  "package-lock.json",
  "next.config.mjs",
  "tsconfig.json",
];

/** Runs a command to completion, failing with its output when it exits non-zero. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce(
    (newest, entry) => Math.max(newest, newestMtime(path.join(target, entry))),
    0,
  );
}

function buildIsCurrent(): boolean {
  if (process.env.FRONTEND_REBUILD === "1" || !existsSync(buildIdFile)) return false;
  const builtAt = statSync(buildIdFile).mtimeMs;
  return BUILD_INPUTS.every((input) => newestMtime(path.join(frontendDir, input)) <= builtAt);
}

/**
 * Installs the frontend's dependencies if needed, runs `next build` unless the existing build is newer than
 * every source file, and lays out static assets beside server.js exactly as docker/frontend/Dockerfile does.
 * Returns the directory holding server.js.
 */
export async function buildFrontend(): Promise<string> {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  if (!existsSync(path.join(frontendDir, "node_modules", ".bin", "next"))) {
    await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: frontendDir, env });
  }
  if (!buildIsCurrent()) {
    await run(path.join(frontendDir, "node_modules", ".bin", "next"), ["build"], {
      cwd: frontendDir,
      env: { ...env, NODE_ENV: "production" },
    });
  }
  const staticTarget = path.join(standaloneDir, ".next", "static");
  rmSync(staticTarget, { recursive: true, force: true });
  cpSync(path.join(frontendDir, ".next", "static"), staticTarget, { recursive: true });
  if (existsSync(path.join(frontendDir, "public"))) {
    cpSync(path.join(frontendDir, "public"), path.join(standaloneDir, "public"), { recursive: true });
  }
  return standaloneDir;
}

/** A TCP port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running process and keeps its output; stop() sends SIGTERM, then SIGKILL after 5 s. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls url until it answers 200, failing early (with the process's output) if the process dies first. */
export async function waitForHttp(url: string, proc: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`process exited before ${url} answered:\n${proc.output().slice(-4000)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms (${lastError}):\n${proc.output().slice(-4000)}`,
  );
}

export interface RunningFrontend extends RunningProcess {
  readonly url: string;
}

/** Starts the built standalone server on a free loopback port, talking to backendUrl, and waits until it serves. */
export async function startFrontend(
  serverDir: string,
  backendUrl: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunningFrontend> {
  const port = await freePort();
  const proc = startProcess(process.execPath, ["server.js"], {
    cwd: serverDir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BACKEND_URL: backendUrl,
      LOG_LEVEL: "warning",
      ...extraEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/api/health`, proc);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { ...proc, url };
}
