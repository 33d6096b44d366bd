/**
 * Builds one service's image with the local Docker engine, runs it the way its pod runs (read-only root file
 * system, numeric non-root user, no capabilities, no privilege escalation, tmpfs only where the pod has an
 * emptyDir), and checks its health endpoint and its size.
 *
 * The image is tagged with the content tag from images/contextHash.ts, the same tag the Pulumi program gives it, so
 * a rerun on an unchanged tree reuses the image Docker already has (when it was built on the current base). That
 * matters here: the legacy builder (no buildx on Debian bookworm) never takes `COPY . .` from its cache when the
 * Dockerfile lies outside the context and a .dockerignore exists, because the CLI slips the Dockerfile into the
 * context under a random name; without the content tag every run would redo `next build`.
 * Set TEST_IMAGES_REBUILD=1 to build regardless.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { hashBuildContext, imageTag } from "../../images/contextHash";

const repoRoot = path.resolve(__dirname, "..", "..");

/** A path as messages name it: relative to the repository, as a reader of it would write it. */
const inRepo = (file: string) => path.relative(repoRoot, file) || ".";

/** What differs between the two services' image checks. */
export interface ImageSpec {
  /** Paths requested after the health check; each must answer below 500, and nothing may hit the read-only root. */
  exercisePaths?: string[];
  readonly service: "backend" | "frontend";
  /** The Dockerfile's build arg that names the base image. */
  readonly baseArg: "PYTHON_IMAGE" | "NODE_IMAGE";
  /**
   * The base image to build on. Default: a local stand-in (`local/...`), for machines that reach no container
   * registry (CI builds it before this suite); a machine that does sets the environment variable `baseEnv`
   * (e.g. `TEST_PYTHON_IMAGE=python:3.11-slim`) to test on the real base.
   */
  readonly defaultBase: string;
  readonly baseEnv: string;
  readonly containerPort: number;
  readonly healthPath: string;
  /** Environment the container gets; never a real secret. */
  readonly env: Readonly<Record<string, string>>;
  /** The paths the pod mounts an emptyDir on, so the only writable ones. */
  readonly tmpfs: readonly string[];
  /** The contract's ceiling on what the image adds above its base, in MB (10^6 bytes, as `docker images`). */
  readonly maxAddedMB: number;
  /** Asserts the health endpoint's JSON body. */
  readonly checkHealth: (body: unknown) => void;
  /**
   * Recognises, in a failed build's output, that the image's own dependencies could not be downloaded (a registry
   * this machine cannot reach), returning the evidence; such a build is reported as skipped, never passed.
   */
  readonly unreachableDependencies?: (output: string) => string | null;
  /**
   * Builds another app than this repository's own with the service's Dockerfile, as a team with its own app
   * would: `context` is the app's folder, `name` names its image and its tests, `buildArgs` are passed on top of
   * the base image. Without it the context is `app/<service>` and the image `todo-<service>`.
   */
  readonly app?: {
    readonly name: string;
    readonly context: string;
    readonly buildArgs?: Readonly<Record<string, string>>;
  };
  /** Checks of what the running app serves, given its base URL; run after the health check. */
  readonly checkServing?: (baseUrl: string) => Promise<void>;
}

interface BuildResult {
  /** Whether an image with the same content tag, built on the current base, was reused instead of built. */
  readonly reused: boolean;
  readonly code: number;
  readonly output: string;
  readonly logFile: string;
  readonly seconds: number;
}

function docker(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: (r.stdout ?? "").trim(), stderr: (r.stderr ?? "").trim() };
}

/** Whether a Docker engine answers; the CLI alone is not enough. */
export function dockerEngineAvailable(): boolean {
  try {
    return docker(["info", "--format", "{{.ServerVersion}}"]).status === 0;
  } catch {
    return false;
  }
}

function imageExists(ref: string): boolean {
  return docker(["image", "inspect", ref]).status === 0;
}

function imageSizeBytes(ref: string): number {
  const r = docker(["image", "inspect", "--format", "{{.Size}}", ref]);
  if (r.status !== 0) throw new Error(`docker image inspect ${ref} failed: ${r.stderr}`);
  return Number(r.stdout);
}

/**
 * Whether `image` was built on the current `base`: the base's layers are the first layers of the image, so a base
 * rebuilt under the same name (a new stand-in) is never mistaken for the one a cached image was built on.
 */
function builtOn(image: string, base: string): boolean {
  const layers = (ref: string) =>
    docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout || "[]";
  const imageLayers = JSON.parse(layers(image)) as string[];
  const baseLayers = JSON.parse(layers(base)) as string[];
  return baseLayers.length > 0 && baseLayers.every((layer, i) => imageLayers[i] === layer);
}

/** Runs `docker build`, keeping the whole output (in memory for detection, on disk for a person to read). */
function build(args: readonly string[], logFile: string): Promise<BuildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const output = Buffer.concat(chunks).toString("utf8");
      fs.writeFileSync(logFile, output);
      resolve({ reused: false, code: code ?? -1, output, logFile, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** A port nobody listens on right now, chosen by the kernel, so parallel runs never collide on a fixed one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 with JSON, failing early (with the container's logs) if the container dies. */
async function waitForJson(url: string, container: string, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return await res.json();
      lastError = `HTTP ${res.status}: ${await res.text()}`;
    } catch (err) {
      lastError = String(err);
    }
    if (docker(["inspect", "--format", "{{.State.Running}}", container]).stdout !== "true") {
      throw new Error(
        `the container stopped before ${url} answered; its logs:\n${docker(["logs", container]).stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = docker(["logs", container]);
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms (${lastError}); logs:\n${logs.stdout}\n${logs.stderr}`,
  );
}

/** The last lines of a build's output, for a failure message that is readable without opening the log. */
function tail(output: string, lines = 30): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Declares the build, run, stop and size checks of one service's image (of this repo's app, or `spec.app`). */
export function describeImage(spec: ImageSpec): void {
  const dockerfile = path.join(repoRoot, "docker", spec.service, "Dockerfile");
  const context = spec.app?.context ?? path.join(repoRoot, "app", spec.service);
  const name = spec.app?.name ?? `todo-${spec.service}`;
  const what = spec.app ? `${spec.service} image of ${name}` : `${spec.service} image`;
  const base = process.env[spec.baseEnv] || spec.defaultBase;
  const baseOverridden = Boolean(process.env[spec.baseEnv]);

  // Decided while collecting tests, so that a missing tool shows up as a skipped suite with its reason printed.
  let skipReason: string | null = null;
  if (!dockerEngineAvailable()) skipReason = "no Docker engine";
  else if (!fs.existsSync(dockerfile)) skipReason = `${what}: ${inRepo(dockerfile)} does not exist yet`;
  else if (!fs.existsSync(context))
    skipReason = `${what}: build context ${inRepo(context)} does not exist yet`;
  else if (!baseOverridden && !imageExists(base)) {
    const upstream = base.replace(/^local\//, "");
    skipReason =
      `${what}: base ${base} is missing: set ${spec.baseEnv} to an image you can pull ` +
      `(e.g. ${spec.baseEnv}=${upstream}), or give one that name (docker tag ${upstream} ${base}); ` +
      "test/imageBuilds/README.md lists both";
  }
  if (skipReason !== null) console.log(`SKIP: ${skipReason}`);

  describe.skipIf(skipReason !== null)(`the ${what}`, () => {
    const containers: string[] = [];
    let image = "";
    let result: BuildResult | undefined;
    let dependenciesUnreachable: string | null = null;

    beforeAll(async () => {
      const buildArgs = { ...spec.app?.buildArgs, [spec.baseArg]: base };
      image = `${name}:${imageTag(hashBuildContext({ context, dockerfile, buildArgs }))}`;
      const logFile = path.join(os.tmpdir(), `${name}-image-build.log`);
      if (!process.env.TEST_IMAGES_REBUILD && imageExists(image) && builtOn(image, base)) {
        result = { reused: true, code: 0, output: "", logFile, seconds: 0 };
        console.log(
          `${name}: reusing ${image}: same content tag, built on ${base} (TEST_IMAGES_REBUILD=1 rebuilds)`,
        );
        return;
      }
      const argFlags = Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
      result = await build(["build", "-f", dockerfile, ...argFlags, "-t", image, context], logFile);
      console.log(
        `${name}: docker build exited ${result.code} after ${result.seconds.toFixed(0)} s (log: ${logFile})`,
      );
      if (result.code !== 0 && spec.unreachableDependencies) {
        dependenciesUnreachable = spec.unreachableDependencies(result.output);
      }
    });

    afterAll(() => {
      // Containers are removed whatever happened, so a failed run leaves nothing listening behind.
      for (const id of containers) docker(["rm", "-f", id]);
    });

    /** Skips (visibly) when the build could not fetch dependencies, and fails on any other build failure. */
    function requireImage(ctx: TestContext): void {
      if (dependenciesUnreachable !== null) {
        console.log(`SKIP: ${what}: ${dependenciesUnreachable}`);
        ctx.skip(dependenciesUnreachable);
      }
      expect(result, "the build ran").toBeDefined();
      expect(
        result!.code,
        `docker build failed; last lines (full log: ${result!.logFile}):\n${tail(result!.output)}`,
      ).toBe(0);
    }

    it(`builds from docker/${spec.service}/Dockerfile and carries its content tag`, (ctx) => {
      requireImage(ctx);
      expect(imageExists(image)).toBe(true);
      expect(builtOn(image, base), `${image} is built on ${base}`).toBe(true);
      console.log(`${name}: ${result!.reused ? "reused" : "built"} ${image} on ${base}`);
    });

    /** The container started by the run test, left running for the tests after it (removed in afterAll). */
    let running: string | null = null;

    it("runs as its pod does and answers its health check", async (ctx) => {
      requireImage(ctx);
      const port = await freePort();
      const container = `${name}-image-test-${process.pid}`;
      const args = [
        "run",
        "-d",
        "--name",
        container,
        "--read-only",
        ...spec.tmpfs.flatMap((p) => ["--tmpfs", p]),
        "--user",
        "10001:10001",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "-p",
        `127.0.0.1:${port}:${spec.containerPort}`,
        ...Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
        image,
      ];
      const run = docker(args);
      if (run.status === 0) containers.push(container);
      expect(run.status, `docker run failed: ${run.stderr}`).toBe(0);
      const baseUrl = `http://127.0.0.1:${port}`;
      const body = await waitForJson(`${baseUrl}${spec.healthPath}`, container, 90_000);
      console.log(`${name}: GET ${spec.healthPath} -> ${JSON.stringify(body)}`);
      spec.checkHealth(body);
      // Beyond the health check: pages that make the app render, cache and log, under the read-only root.
      for (const pathname of spec.exercisePaths ?? []) {
        const response = await fetch(`${baseUrl}${pathname}`);
        console.log(`${name}: GET ${pathname} -> ${response.status}`);
        expect(response.status, `GET ${pathname}`).toBeLessThan(500);
      }
      await spec.checkServing?.(baseUrl);
      const logs = docker(["logs", container]);
      expect(`${logs.stdout}\n${logs.stderr}`).not.toMatch(
        /read-only file system|EROFS|Failed to update prerender cache/i,
      );
      running = container;
    });

    // Kubernetes stops a pod with SIGTERM to PID 1 and kills it after the grace period. A server behind a shell
    // that does not exec, or one without a SIGTERM handler (PID 1 has no default action), is only ever killed.
    it("is stopped by SIGTERM, its server being PID 1", (ctx) => {
      requireImage(ctx);
      if (running === null) ctx.skip("the container did not start");
      const pid1 = docker(["exec", running!, "cat", "/proc/1/cmdline"]).stdout.split("\0").join(" ").trim();
      console.log(`${name}: PID 1 is ${JSON.stringify(pid1)}`);
      const started = Date.now();
      expect(docker(["stop", "--time", "20", running!]).status).toBe(0);
      const seconds = (Date.now() - started) / 1000;
      const exitCode = docker(["inspect", "--format", "{{.State.ExitCode}}", running!]).stdout;
      console.log(`${name}: stopped after ${seconds.toFixed(1)} s with exit code ${exitCode}`);
      // 137 is SIGKILL: the stop timed out.
      expect(exitCode).not.toBe("137");
      expect(seconds).toBeLessThan(15);
    });

    it(`adds at most ${spec.maxAddedMB} MB above its base image`, (ctx) => {
      requireImage(ctx);
      const added = (imageSizeBytes(image) - imageSizeBytes(base)) / 1e6;
      console.log(
        `${name}: ${image} adds ${added.toFixed(1)} MB above ${base} (total ${(imageSizeBytes(image) / 1e6).toFixed(1)} MB)`,
      );
      expect(added).toBeLessThanOrEqual(spec.maxAddedMB);
    });

    it("declares the numeric user the pod runs as", (ctx) => {
      requireImage(ctx);
      const user = docker(["image", "inspect", "--format", "{{.Config.User}}", image]).stdout;
      expect(user).toMatch(/^10001(:10001)?$/);
    });
  });
}

/**
 * Evidence that pip could not reach its package index: connection-level errors only, so that a genuine mistake
 * (a misspelt or yanked package on a machine that does reach PyPI) still fails the build check.
 */
export function pythonIndexUnreachable(output: string): string | null {
  const markers = [
    "Failed to establish a new connection",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
    "ProxyError",
    "ConnectTimeoutError",
    "Max retries exceeded",
  ];
  const line = output.split("\n").find((l) => markers.some((m) => l.includes(m)));
  if (line === undefined) return null;
  const marker = markers.find((m) => line.includes(m)) ?? "";
  const failed = output.split("\n").find((l) => l.includes("No matching distribution found"));
  return `Python package index unreachable (${marker}${failed ? `; ${failed.replace(/^.*ERROR: /, "").trim()}` : ""})`;
}
