/**
 * Drives test/scripts/dev/fakeKubectl.cjs: the state file it answers from, the ClusterAccess that runs it in
 * place of kubectl, and the checks that every process it started has ended.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

import type { ClusterAccess, ServicePods } from "../../../scripts/lib/dev/types";

export const FAKE_KUBECTL = path.join(__dirname, "fakeKubectl.cjs");

/** The two services as the cluster-side tests play them: pods selected by their component label alone. */
export const BACKEND_PODS: ServicePods = {
  service: "backend",
  name: "todo-backend",
  container: "backend",
  selector: { "app.kubernetes.io/component": "backend" },
  port: 7860,
};
export const FRONTEND_PODS: ServicePods = {
  service: "frontend",
  name: "todo-frontend",
  container: "frontend",
  selector: { "app.kubernetes.io/component": "frontend" },
  port: 3000,
};

export interface FakeContainer {
  readonly name: string;
  /** `state.waiting` of the container status, e.g. `{ reason: "CrashLoopBackOff", message: "back-off 40s" }`. */
  readonly waiting?: { reason: string; message?: string };
  readonly restartCount?: number;
  /** `lastState.terminated`, e.g. `{ reason: "Error", exitCode: 1 }`. */
  readonly lastTerminated?: { reason?: string; exitCode?: number; finishedAt?: string };
}

export interface FakeEvent {
  readonly type?: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  /** RFC 3339; becomes lastTimestamp and firstTimestamp. */
  readonly time: string;
  readonly count?: number;
}

export interface FakePod {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The Service whose port-forward may pick this pod. */
  readonly service?: string;
  /** Default Running. */
  readonly phase?: string;
  /** Default true (the Ready condition). */
  readonly ready?: boolean;
  /** metadata.deletionTimestamp set: terminating, never picked, and its streams end. */
  readonly deleting?: boolean;
  readonly created?: string;
  readonly containers?: readonly FakeContainer[];
  /** The current container's log lines; lines appended later are printed by a running `logs -f`. */
  readonly logs?: readonly string[];
  /** What `logs --previous` prints. */
  readonly previousLogs?: readonly string[];
  readonly events?: readonly FakeEvent[];
}

export interface FakeState {
  /** Services that exist (port-forward to any other fails with NotFound). */
  readonly services: readonly string[];
  readonly pods: readonly FakePod[];
}

export interface FakeCluster {
  readonly dir: string;
  readonly stateFile: string;
  readonly pidsFile: string;
  readonly callsFile: string;
  /** The env the fake reads; also set on process.env by install(). */
  readonly env: Record<string, string>;
  readonly access: ClusterAccess;
  /** Replaces the state atomically (write, then rename), so the fake never reads half a file. */
  write(state: FakeState): void;
  /** Every pid the fake has recorded so far. */
  pids(): number[];
  /** The arguments of every fake kubectl started so far, in order. */
  calls(): string[][];
  remove(): void;
}

/** A fresh temporary cluster; its env is put on process.env so every child the code under test starts sees it. */
export function fakeCluster(namespace = "todo-dev"): FakeCluster {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
  const stateFile = path.join(dir, "state.json");
  const pidsFile = path.join(dir, "pids");
  const callsFile = path.join(dir, "calls");
  const env = { FAKE_KUBECTL_STATE: stateFile, FAKE_KUBECTL_PIDS: pidsFile, FAKE_KUBECTL_CALLS: callsFile };
  Object.assign(process.env, env);
  const write = (state: FakeState): void => {
    const tmp = `${stateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, stateFile);
  };
  write({ services: [], pods: [] });
  return {
    dir,
    stateFile,
    pidsFile,
    callsFile,
    env,
    access: {
      kubectl: { command: process.execPath, baseArgs: [FAKE_KUBECTL, "--context", "fake-context"] },
      namespace,
    },
    write,
    pids: () =>
      fs.existsSync(pidsFile)
        ? fs.readFileSync(pidsFile, "utf8").split("\n").filter(Boolean).map(Number)
        : [],
    calls: () =>
      fs.existsSync(callsFile)
        ? fs
            .readFileSync(callsFile, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as string[])
        : [],
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Whether a pid still runs: process.kill(pid, 0) throwing ESRCH means gone. A zombie (state Z in /proc) has ended
 * too: an orphaned grandchild waits there for PID 1 to collect it, which this sandbox's init never does.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return true;
  }
}

/** Polls until `check` holds, failing with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A GET of a local URL's body, or the error's code. */
export async function get(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return `error: ${cause?.code ?? (error as Error).message}`;
  }
}

/** A local port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A folder holding `kubectl`, a link to the fake, to put first on PATH: then findKubectl (scripts/lib/health.ts)
 * finds the fake exactly as it finds the real one, `kubectl version --client` answering.
 */
export function kubectlOnPath(cluster: FakeCluster): string {
  const bin = path.join(cluster.dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const link = path.join(bin, "kubectl");
  if (!fs.existsSync(link)) {
    fs.symlinkSync(FAKE_KUBECTL, link);
  }
  fs.chmodSync(FAKE_KUBECTL, 0o755);
  return bin;
}
