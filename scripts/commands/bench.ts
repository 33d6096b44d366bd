/**
 * `npm run bench`: what every `pulumi preview` and `pulumi up` pays before the engine sees a resource.
 *
 *   - loading the SDK classes the program uses (the floor: no program can start faster);
 *   - evaluating index.ts as Pulumi's nodejs runtime loads it (tsconfig.pulumi.json: transpile-only through
 *     SWC), and, for comparison, with TypeScript's own transpiler and with full type checking;
 *   - hashing each build context for its content tag, and a repository-root context (test/fixtures/own-app,
 *     copied with thousands of files beside the one folder its Dockerfile reads), as a team builds its own app.
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

function main(): void {
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

  const verdict = ratio <= LIMIT ? "PASS" : "FAIL";
  console.log(`\n${verdict}: program evaluation is ${ratio.toFixed(2)}x the SDK load (limit ${LIMIT}x)`);
  if (verdict === "FAIL" && !reportOnly) {
    process.exitCode = 1;
  }
}

main();
