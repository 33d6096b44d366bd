/**
 * `npm run bench:real`: the real figures of the README's commands on the real cluster (run by
 * scripts/test-real.sh --bench, which starts and stops the cluster), each the median of RUNS rounds on this
 * machine, printed beside its reference:
 *
 *   - cold `npm run up`: after `npm run down` with both app images removed from the daemon (Docker's layer
 *     cache kept), so both images are built and every object is created;
 *   - no-op `npm run up`: nothing changed; goal under 15 s for the whole command;
 *   - `npm run up` after a one-line backend edit: goal, only the backend's image and Deployment touched (read
 *     from the engine's own history);
 *   - `npm run down`.
 *
 * Reported, never asserted: timings on a shared machine are noisy. The edited file is restored however it ends.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { REPO, STACK, lastUpdateChanges, npmRun, realEnvironment } from "./harness";

/** The resources the engine's progress lines report as changed: `~  docker:index:Image backend-image updated`. */
function changedResources(output: string): string[] {
  const lines = output.matchAll(
    /^\s*[~+-]{1,3}\s+(\S+:\S+)\s+(\S+)\s+(updated|created|replaced|deleted)\b/gm,
  );
  return [...new Set([...lines].map((m) => `${m[1].split(":").pop()} ${m[2]} ${m[3]}`))];
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EDITED = path.join(REPO, "app", "backend", "todo_api", "main.py");

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<number> {
  const real = realEnvironment();
  const original = fs.readFileSync(EDITED, "utf8");
  const times: Record<"cold" | "noop" | "edit" | "down", number[]> = {
    cold: [],
    noop: [],
    edit: [],
    down: [],
  };
  const touched: string[] = [];
  let lastOutput = "";
  const step = async (script: string) => {
    const run = await npmRun(real, script, ["--stack", STACK]);
    if (run.code !== 0) throw new Error(`npm run ${script} failed (exit ${run.code})`);
    lastOutput = run.output;
    return run.seconds;
  };
  try {
    for (let round = 1; round <= RUNS; round++) {
      console.log(`\n=== round ${round} of ${RUNS} ===`);
      if (round > 1) {
        await step("down");
        // The images of the last round, so this up builds both again.
        const images = spawnSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", "todo-*"], {
          encoding: "utf8",
        }).stdout.split("\n");
        const app = images.filter((i) => /^todo-(backend|frontend):/.test(i));
        if (app.length > 0) spawnSync("docker", ["rmi", "-f", ...app], { stdio: "ignore" });
      }
      times.cold.push(await step("up"));
      times.noop.push(await step("up"));
      fs.writeFileSync(EDITED, `${original}\n# bench round ${round}\n`);
      times.edit.push(await step("up"));
      touched.push(`${JSON.stringify(lastUpdateChanges(real))} ${changedResources(lastOutput).join(", ")}`);
      fs.writeFileSync(EDITED, original);
      // Back to the committed source (a build of it is in the daemon's cache), then down.
      await step("up");
      times.down.push(await step("down"));
    }
  } finally {
    fs.writeFileSync(EDITED, original);
    fs.rmSync(real.stateDir, { recursive: true, force: true });
  }
  const line = (label: string, values: number[], reference: string) =>
    console.log(
      `${label.padEnd(34)} median ${median(values).toFixed(1).padStart(6)} s  ` +
        `(runs: ${values.map((v) => v.toFixed(1)).join(", ")})   ${reference}`,
    );
  console.log(`\nReal figures on this machine (${RUNS} rounds; reported, not gated):`);
  line("cold npm run up (both images)", times.cold, "reference: none (first deploy)");
  line("no-op npm run up", times.noop, `goal: under 15 s${median(times.noop) < 15 ? "" : "  OVER GOAL"}`);
  line("npm run up after a backend edit", times.edit, "goal: only the backend image and Deployment touched");
  console.log(`${"".padEnd(34)} the engine's changes per round: ${touched.join("  ")}`);
  line("npm run down", times.down, "reference: none");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench:real failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
