/**
 * `npm run dev` end to end, in a child process of its own (devHarness.ts) that a real SIGINT reaches: the stack
 * command's runCommand and runDevLoop, real chokidar on a temporary copy of the reference app, the fake kubectl
 * found on PATH as findKubectl finds the real one (scripts/lib/health.ts), and every update run as a fake Pulumi
 * CLI through the Automation API's PulumiCommand under scripts/lib/interrupt.ts.
 *
 * The child is started as the leader of its own process group, as a terminal's foreground job is, and a
 * terminal Ctrl-C is a SIGINT to that whole group (what a TTY's line discipline sends: the fake CLI, a child of
 * the harness that the Automation API starts without `detached`, gets it too, exactly as the real CLI would).
 * The port-forwards and log streams live in groups of their own (scripts/lib/dev/children.ts), so they must be
 * stopped by the loop: the test proves none is left.
 */
import { type ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { type FakeCluster, fakeCluster, freePort, get, isRunning, kubectlOnPath, until } from "./fakeCluster";
import { contentTag } from "../../../scripts/lib/dev/cycle";
import { REPO, type TempProject, tempProject } from "./fixtures";

interface Harness {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

describe("npm run dev, driven end to end with a real SIGINT", () => {
  let project: TempProject;
  let cluster: FakeCluster;
  let pulumiRoot: string;
  let pulumiPids: string;
  let harness: Harness | undefined;

  beforeEach(() => {
    project = tempProject();
    cluster = fakeCluster("todo-dev");
    pulumiRoot = path.join(cluster.dir, "pulumi");
    fs.mkdirSync(path.join(pulumiRoot, "bin"), { recursive: true });
    const fake = path.join(pulumiRoot, "bin", "pulumi");
    fs.copyFileSync(path.join(REPO, "test", "scripts", "fakePulumi.cjs"), fake);
    fs.chmodSync(fake, 0o755);
    pulumiPids = path.join(cluster.dir, "pulumi-pids");
    cluster.write({ services: ["todo-frontend", "todo-backend"], pods: [] });
  });
  afterEach(() => {
    const pid = harness?.child.pid;
    if (pid !== undefined && harness?.child.exitCode === null && harness.child.signalCode === null) {
      process.kill(-pid, "SIGKILL");
    }
    harness = undefined;
    for (const leftover of cluster.pids().filter(isRunning)) process.kill(leftover, "SIGKILL");
    cluster.remove();
    project.remove();
  });

  function start(args: readonly string[], upMs: number): Harness {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...cluster.env,
      PATH: `${kubectlOnPath(cluster)}${path.delimiter}${process.env.PATH ?? ""}`,
      DEV_HARNESS_PROJECT: project.root,
      DEV_HARNESS_IMAGES: JSON.stringify(project.images),
      FAKE_PULUMI_ROOT: pulumiRoot,
      FAKE_PULUMI_SIGNALS: path.join(cluster.dir, "pulumi-signals"),
      FAKE_PULUMI_PIDS: pulumiPids,
      FAKE_PULUMI_UP_MS: String(upMs),
      NO_COLOR: "1",
    };
    delete env.PULUMI_STACK;
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "devHarness.ts"), ...args],
      { cwd: REPO, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (data: Buffer) => (out += data.toString()));
    child.stderr.on("data", (data: Buffer) => (out += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  const pulumiRunning = () =>
    (fs.existsSync(pulumiPids) ? fs.readFileSync(pulumiPids, "utf8").split("\n").filter(Boolean) : [])
      .map(Number)
      .filter(isRunning);

  it(
    "rebuilds only the backend on a backend edit, keeps its URL answering from the new pod, prefixes the " +
      "logs, and on Ctrl-C stops every child and exits 130",
    async () => {
      const [frontendPort, backendPort] = [await freePort(), await freePort()];
      const firstBackendTag = contentTag(project.images.find((image) => image.service === "backend")!);
      const h = (harness = start(
        ["--forward-backend", "--frontend-port", String(frontendPort), "--backend-port", String(backendPort)],
        200,
      ));
      await until("the loop to watch", () => h.output().includes("Save a file to rebuild"), 20_000);
      const backendUrl = `http://127.0.0.1:${backendPort}`;
      expect(h.output()).toContain(`Backend: ${backendUrl}`);
      expect(h.output()).toContain(`Frontend: http://127.0.0.1:${frontendPort}`);
      expect(await get(backendUrl)).toContain("-g1xyz");
      await until("the first pods' logs", () => /backend\s+g1xyz \| started todo-backend/.test(h.output()));

      project.write(
        "app/backend/todo_api/main.py",
        "# edited\n" + fs.readFileSync(path.join(REPO, "app/backend/todo_api/main.py"), "utf8"),
      );
      await until("the cycle line", () => /backend: ready in [0-9.]+s \(detect/.test(h.output()), 15_000);
      expect(h.output()).not.toMatch(/frontend: ready in/);
      // The forward was re-established on the new pod: the same URL answers from it.
      let body = "";
      await until(
        "the backend URL to answer from the new pod",
        () => {
          void get(backendUrl).then((b) => (body = b));
          return body.includes("-g2xyz");
        },
        10_000,
      );
      await until("the new pod's logs, prefixed", () =>
        /backend\s+g2xyz \| started todo-backend/.test(h.output()),
      );

      process.kill(-(h.child.pid as number), "SIGINT");
      expect(await h.exited).toBe(130);
      expect(h.output()).toContain("SIGINT received: stopping npm run dev");
      // What the cycle deployed, not the stack's outputs of the first update.
      expect(h.output()).toMatch(
        /Deployed in stack "dev" \(namespace todo-dev\): backend todo-backend:c-[0-9a-f]{16}/,
      );
      expect(h.output()).not.toContain(`backend todo-backend:${firstBackendTag}`);
      expect(h.output()).toContain("npm run down -- --stack dev");
      expect(cluster.pids().length).toBeGreaterThan(3);
      expect(cluster.pids().filter(isRunning)).toEqual([]);
      expect(pulumiRunning()).toEqual([]);
      expect(await get(backendUrl)).toMatch(/^error: /);
    },
    60_000,
  );

  it("Ctrl-C during an update: the CLI cancels it once, the stack's state is printed, nothing is left, exit 130", async () => {
    const frontendPort = await freePort();
    const h = (harness = start(["--frontend-port", String(frontendPort)], 60_000));
    await until("the loop to watch", () => h.output().includes("Save a file to rebuild"), 20_000);
    project.write("app/backend/todo_api/extra.py", "VALUE = 1\n");
    await until("the update to run", () => pulumiRunning().length === 1, 15_000);

    process.kill(-(h.child.pid as number), "SIGINT");
    expect(await h.exited).toBe(130);
    const signals = fs.readFileSync(path.join(cluster.dir, "pulumi-signals"), "utf8").trim().split("\n");
    expect(signals).toEqual(["SIGINT"]);
    expect(h.output()).toContain("the update in progress is being cancelled");
    expect(h.output()).toContain('State of stack "dev"');
    expect(cluster.pids().filter(isRunning)).toEqual([]);
    expect(pulumiRunning()).toEqual([]);
  }, 60_000);
});
