/**
 * `npm run bench`: what every `pulumi preview` and `pulumi up` pays before the engine sees a resource.
 *
 *   - loading the SDK classes the program uses (the floor: no program can start faster);
 *   - evaluating index.ts as Pulumi's nodejs runtime loads it (tsconfig.pulumi.json: transpile-only through
 *     SWC), and, for comparison, with TypeScript's own transpiler and with full type checking;
 *   - hashing each build context for its content tag, and a repository-root context (test/fixtures/own-app,
 *     copied with thousands of files beside the one folder its Dockerfile reads), as a team builds its own app;
 *   - `npm run dev`'s own overhead: from a file save to the build starting (its update being called), with the
 *     real watcher, scheduler and hash on a copy of the reference app and a stand-in for the update.
 *
 * Each figure is the median of several fresh Node processes. Exits 1 when the program's evaluation takes
 * more than 1.5 times the SDK load, unless `--report-only` (CI prints the figures without gating on a busy
 * machine's timings).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { hashBuildContext } from "../../images/contextHash";
import { contentTag, createCycle } from "../lib/dev/cycle";
import { createDevLoop } from "../lib/dev/loop";
import { APP_SERVICE_TYPE } from "../lib/dev/targets";
import type { WatchedImage } from "../lib/dev/types";
import { DEFAULT_DEBOUNCE_MS, watchImages } from "../lib/dev/watch";

const ROOT = path.resolve(__dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LIMIT = 1.5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function child(args: string[]): number {
  const result = spawnSync(process.execPath, [path.join(__dirname, "bench-child.cjs"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`bench-child ${args.join(" ")} failed:\n${result.stderr}`);
  }
  const last = result.stdout.trim().split("\n").pop() ?? "";
  return (JSON.parse(last) as { ms: number }).ms;
}

function measure(args: string[], runs = RUNS): number {
  return median(Array.from({ length: runs }, () => child(args)));
}

function hashTime(context: string, dockerfile: string): number {
  const runs = Array.from({ length: RUNS }, () => {
    const start = process.hrtime.bigint();
    hashBuildContext({ context: path.resolve(ROOT, context), dockerfile: path.resolve(ROOT, dockerfile) });
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  return median(runs);
}

/** How many files the repository-root row puts beside the folder its Dockerfile reads. */
const UNREAD_FILES = 5000;

/**
 * The own-app fixture copied to a temporary directory, with `UNREAD_FILES` files in a folder no Dockerfile reads
 * (as a repository's other services, docs or installed packages would be); returns the copy's root.
 */
function repoRootContext(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-own-app-"));
  fs.cpSync(path.join(ROOT, "test", "fixtures", "own-app"), root, { recursive: true });
  for (let i = 0; i < UNREAD_FILES; i++) {
    const dir = path.join(root, "phase3", "data", `d${i % 50}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.json`), `{"n": ${i}}\n`);
  }
  return root;
}

/** How many saves the dev-loop row takes the median of, and its goal (reported, not enforced). */
const DEV_SAVES = Number(process.env.BENCH_DEV_SAVES ?? 9);
const DEV_GOAL_MS = 300;

/**
 * The dev loop's median time from a save (just before the write) to its update being called, on a copy of the
 * reference app's contexts and Dockerfiles: the watcher's latency, the debounce, the scheduler, the hash and the
 * targets. The update is a stand-in that returns at once, so nothing of Pulumi or Docker is in the figure.
 */
async function devLoopOverhead(): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-dev-loop-"));
  fs.cpSync(path.join(ROOT, "app"), path.join(root, "app"), {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|\.next|\.venv)([\\/]|$)/.test(src),
  });
  fs.cpSync(path.join(ROOT, "docker"), path.join(root, "docker"), { recursive: true });
  const images: WatchedImage[] = (["backend", "frontend"] as const).map((service) => ({
    service,
    context: path.join(root, "app", service),
    dockerfile: path.join(root, "docker", service, "Dockerfile"),
    buildArgs: {},
  }));
  let called: (() => void) | undefined;
  const cycle = createCycle({
    images,
    deployed: new Map(images.map((image) => [image.service, contentTag(image)])),
    readState: () =>
      Promise.resolve(
        images.map((image) => ({
          urn: `urn:pulumi:bench::todo-app::${APP_SERVICE_TYPE}::${image.service}`,
          type: APP_SERVICE_TYPE,
        })),
      ),
    update: () => {
      called?.();
      return Promise.resolve();
    },
    diagnoseRollout: () => Promise.resolve([]),
  });
  const loop = createDevLoop({ runCycle: (batch) => cycle.run(batch) });
  const watcher = await watchImages({
    projectDir: root,
    stack: "bench",
    images,
    onBatch: (batch) => loop.submit(batch),
  });
  const file = path.join(root, "app", "backend", "todo_api", "main.py");
  const original = fs.readFileSync(file, "utf8");
  try {
    const runs: number[] = [];
    for (let i = 0; i < DEV_SAVES; i++) {
      const started = new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error("the dev loop never called its update")), 10_000);
        called = () => {
          clearTimeout(timeout);
          resolve();
        };
      });
      const savedAt = performance.now();
      fs.writeFileSync(file, `${original}\n# bench save ${i}\n`);
      await started;
      runs.push(performance.now() - savedAt);
      await loop.idle();
    }
    return median(runs);
  } finally {
    await watcher.close();
    await loop.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const reportOnly = process.argv.includes("--report-only");
  const sdk = measure(["sdk"]);
  const program = measure(["program", "pulumi"]);
  const transpile = measure(["program", "transpile"]);
  const typecheck = measure(["program", "typecheck"], Math.min(RUNS, 3));
  const backendHash = hashTime("app/backend", "docker/backend/Dockerfile");
  const frontendHash = hashTime("app/frontend", "docker/frontend/Dockerfile");
  const repoRoot = repoRootContext();
  let repoRootHash: number;
  try {
    repoRootHash = hashTime(repoRoot, path.join(repoRoot, "phase4", "docker", "backend", "Dockerfile"));
  } finally {
    fs.rmSync(repoRoot, { recursive: true, force: true });
  }
  const devLoop = await devLoopOverhead();
  const ratio = program / sdk;

  const row = (label: string, ms: number, note = "") =>
    console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms  ${note}`);
  console.log(`median of ${RUNS} fresh processes each (type check: ${Math.min(RUNS, 3)})\n`);
  row("load the SDK classes the program uses", sdk, "(the floor)");
  row(
    "evaluate index.ts as Pulumi loads it (SWC, no type check)",
    program,
    `${ratio.toFixed(2)}x the SDK load`,
  );
  row("  same, with TypeScript's transpileModule", transpile, `${(transpile / sdk).toFixed(2)}x`);
  row("  same, with full type checking (ts-node's default)", typecheck, `${(typecheck / sdk).toFixed(2)}x`);
  row("hash the backend build context", backendHash);
  row("hash the frontend build context (node_modules, .next pruned)", frontendHash);
  row(
    "hash a repo-root context whose Dockerfile reads one folder",
    repoRootHash,
    `(${UNREAD_FILES.toLocaleString("en")} files unread beside it)`,
  );
  row(
    "npm run dev: a backend save to its build starting",
    devLoop,
    `(median of ${DEV_SAVES} saves, ${DEFAULT_DEBOUNCE_MS} ms debounce; goal under ${DEV_GOAL_MS} ms: ` +
      `${devLoop < DEV_GOAL_MS ? "met" : "missed"})`,
  );

  const verdict = ratio <= LIMIT ? "PASS" : "FAIL";
  console.log(`\n${verdict}: program evaluation is ${ratio.toFixed(2)}x the SDK load (limit ${LIMIT}x)`);
  if (verdict === "FAIL" && !reportOnly) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
