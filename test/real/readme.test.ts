/**
 * The README's own commands against a real cluster and the real Pulumi engine (npm run test:real, which starts
 * and stops the cluster: scripts/test-real.sh). One stack, `real` (Pulumi.real.yaml), from an empty state:
 *
 *   1. `npm run up`: exit 0, both health checks PASS, the summary says whether policies are enforced, and the
 *      clone's git status stays clean;
 *   2. a person creates, completes and deletes a task in Chromium; a task survives `kubectl delete pod` of the
 *      backend and of the database;
 *   3. `npm run up` again with nothing changed: the engine's summary has nothing but unchanged resources;
 *   4. `npm run pulumi -- preview --policy-pack policy`: every policy passes;
 *   5. `npm run down`: every app object gone, the namespace and the database claim kept; `npm run up` again
 *      and the task from before is still there.
 *
 * Steps depend on the ones before, so they run in order and a failure stops the rest (vitest's `bail` and
 * sequence options in test/real/vitest.config.mts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AppPage, chromiumMissing } from "./browser";
import {
  REPO,
  STACK,
  type RealEnvironment,
  diagnostics,
  kubectl,
  lastUpdateChanges,
  missingForRealSuite,
  npmRun,
  realEnvironment,
  stackOutputs,
} from "./harness";

const missing = [...missingForRealSuite(), chromiumMissing()].filter((m): m is string => m !== undefined);
for (const what of missing) console.log(`SKIP: ${what}`);

// scripts/test-real.sh (npm run test:real, .ci/run) sets everything up, so there a missing piece is a failure.
if (process.env.TODO_REAL_REQUIRE === "1" && missing.length > 0) {
  describe("the real suite's prerequisites", () => {
    it("are all present, as npm run test:real provides them", () => {
      expect(missing).toEqual([]);
    });
  });
}

describe.skipIf(missing.length > 0)(`the README's commands on a real cluster (stack "${STACK}")`, () => {
  let real: RealEnvironment;
  let app: AppPage | undefined;
  const KEPT = "Survives a pod deletion";

  beforeAll(() => {
    real = realEnvironment();
  });

  afterAll(async () => {
    await app?.close();
    if (real) fs.rmSync(real.stateDir, { recursive: true, force: true });
  });

  const gitStatus = () =>
    spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: REPO, encoding: "utf8" })
      .stdout;

  /** Asserts the command succeeded; on failure, shows the command's tail and the cluster's side. */
  function expectSuccess(run: { code: number | null; output: string }, what: string): void {
    if (run.code !== 0) {
      console.log(`\n${what} failed. Its last lines:\n${run.output.split("\n").slice(-40).join("\n")}`);
      console.log(diagnostics(real));
    }
    expect(run.code, `${what} exit code`).toBe(0);
  }

  it("a typo in a stack file is reported in seconds, before minikube, docker or kubectl is touched", async () => {
    // A stack of its own, removed afterwards; stubs that record any call stand first on PATH.
    const file = path.join(REPO, "Pulumi.typo-check.yaml");
    const stubs = fs.mkdtempSync(path.join(os.tmpdir(), "todo-real-stubs-"));
    const calls = path.join(stubs, "calls");
    for (const tool of ["minikube", "docker", "kubectl"]) {
      fs.writeFileSync(path.join(stubs, tool), `#!/bin/sh\necho ${tool} "$@" >> "${calls}"\nexit 1\n`, {
        mode: 0o755,
      });
    }
    fs.writeFileSync(file, "config:\n  todo-app:replica: 3\n  todo-app:logLevel: loud\n");
    try {
      const run = await npmRun(
        { ...real, env: { ...real.env, PATH: `${stubs}:${real.env.PATH ?? ""}` } },
        "up",
        ["--stack", "typo-check"],
      );
      expect(run.code).toBe(1);
      expect(run.output).toContain(
        "todo-app:replica is not a setting of this program; did you mean todo-app:replicas?",
      );
      expect(run.output).toContain('todo-app:logLevel = "loud" is not valid');
      expect(fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "", "tools called").toBe("");
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(stubs, { recursive: true, force: true });
    }
  });

  it("npm run up from an empty state deploys, passes both health checks and leaves git clean", async () => {
    // What `npm run up` may change in the clone: nothing git tracks or offers to add (on a clean clone, as in
    // .ci/run, git status stays empty; a contributor's own edits are left out of the comparison).
    const before = gitStatus();
    const run = await npmRun(real, "up", ["--stack", STACK]);
    expectSuccess(run, "npm run up");
    expect(run.output).toMatch(/PASS.*backend/i);
    expect(run.output).toMatch(/PASS.*frontend/i);
    // The summary says plainly whether the cluster enforces the NetworkPolicies.
    expect(run.output).toMatch(/NetworkPolic(y|ies).*(PASS|WARN)|polic(y|ies).*(enforced|not enforced)/i);
    expect(gitStatus(), "git status after the first npm run up").toBe(before);
  });

  it("serves the app to a browser: create, complete and delete a task", async () => {
    const url = String(stackOutputs(real).frontendUrl);
    app = await AppPage.open(url);
    await app.load();
    const title = "Water the plants";
    await app.add(title);
    await app.complete(title);
    await app.page.reload();
    expect(await app.item(title).getAttribute("data-done")).toBe("true");
    await app.remove(title);
    await app.add(KEPT);
  });

  it("keeps a task when the backend's and the database's pods are deleted", async () => {
    const ofComponent = (component: string) => [
      "-n",
      real.namespace,
      "-l",
      `app.kubernetes.io/component=${component}`,
    ];
    for (const component of ["backend", "database"]) {
      const deleted = kubectl(real, ["delete", "pod", ...ofComponent(component), "--wait=true"]);
      expect(deleted.code, deleted.stdout).toBe(0);
    }
    for (const component of ["backend", "database"]) {
      const workloads = kubectl(real, [
        "get",
        "deployments,statefulsets",
        ...ofComponent(component),
        "-o",
        "name",
      ]).stdout.trim();
      for (const workload of workloads.split("\n").filter(Boolean)) {
        const ready = kubectl(real, ["rollout", "status", "-n", real.namespace, workload, "--timeout=300s"]);
        if (ready.code !== 0) console.log(diagnostics(real));
      }
    }
    await expect
      .poll(
        async () => {
          await app!.load().catch(() => undefined);
          return app!.titles().catch(() => []);
        },
        { timeout: 180_000, interval: 3_000 },
      )
      .toContain(KEPT);
  });

  it("npm run up again with nothing changed changes nothing and builds no image", async () => {
    const run = await npmRun(real, "up", ["--stack", STACK]);
    expectSuccess(run, "the second npm run up");
    const changes = lastUpdateChanges(real);
    // `read` is the program's StackReference to its own last outputs: a read, not a change.
    const changed = Object.entries(changes).filter(
      ([kind, count]) => kind !== "same" && kind !== "read" && count > 0,
    );
    expect(changed, `the engine's summary: ${JSON.stringify(changes)}`).toEqual([]);
  });

  it("npm run pulumi -- preview --policy-pack policy passes every policy", async () => {
    const run = await npmRun(real, "pulumi", ["preview", "--stack", STACK, "--policy-pack", "policy"]);
    expectSuccess(run, "the policy preview");
    // The pack really ran (its line in the engine's summary), and nothing was reported.
    expect(run.output).toMatch(/Policies:\s*\n\s*✅ todo-app@v[\d.]+ \(local: policy\)/);
    expect(run.output).not.toMatch(/mandatory|advisory|policy violation/i);
  });

  it("npm run down removes every app object and keeps the namespace and the database claim", async () => {
    const run = await npmRun(real, "down", ["--stack", STACK]);
    expectSuccess(run, "npm run down");
    const left = kubectl(real, [
      "get",
      "deployments,statefulsets,services,configmaps,secrets,networkpolicies,poddisruptionbudgets",
      "-n",
      real.namespace,
      "-l",
      "app.kubernetes.io/part-of",
      "-o",
      "name",
    ]);
    expect(left.stdout.trim(), "app objects left after down").toBe("");
    expect(kubectl(real, ["get", "namespace", real.namespace]).code).toBe(0);
    expect(kubectl(real, ["get", "pvc", "-n", real.namespace, "-o", "name"]).stdout).toMatch(
      /persistentvolumeclaim/,
    );
  });

  it("npm run up after down brings the app back with the task from before", async () => {
    const run = await npmRun(real, "up", ["--stack", STACK]);
    expectSuccess(run, "npm run up after down");
    const url = String(stackOutputs(real).frontendUrl);
    await app?.close();
    app = await AppPage.open(url);
    await app.load();
    expect(await app.titles()).toContain(KEPT);
  });
});
