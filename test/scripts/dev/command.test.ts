/**
 * scripts/lib/dev/command.ts, the steps of `npm run dev` after its session, on a fake session whose Stack
 * records what the Automation API is asked: the first update as `npm run up` runs it, then each cycle's update
 * with its targets and `targetDependents` (which sdk/nodejs/automation/stack.ts turns into `--target` and
 * `--target-dependents`), its engine events and quiet output. The loop itself (run.ts) is replaced by one that
 * runs a targeted and a full cycle, so what is checked is the wiring to the stack.
 */
import type { Stack, UpOptions } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { CommandResult } from "../../../host/process";
import type { Invocation } from "../../../scripts/lib/args";
import { runDev } from "../../../scripts/lib/dev/command";
import type { DevRunDeps } from "../../../scripts/lib/dev/run";
import type { Session } from "../../../scripts/lib/session";
import { deployedState } from "./fixtures";

const IMAGE_SOURCES = {
  backend: {
    context: "/app/backend",
    dockerfile: "/docker/backend/Dockerfile",
    buildArgs: {},
    tag: "c-1111111111111111",
  },
  frontend: {
    context: "/app/frontend",
    dockerfile: "/docker/frontend/Dockerfile",
    buildArgs: {},
    tag: "c-2222222222222222",
  },
};

describe("npm run dev's wiring to the stack", () => {
  let stateDir: string;
  let ups: UpOptions[];
  let outputs: Record<string, { value: unknown }>;
  let failFirst: boolean;
  let envVars: Record<string, string>;

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "dev-command-"));
    ups = [];
    failFirst = false;
    envVars = { PULUMI_K8S_DELETE_UNREACHABLE: "true" };
    outputs = {
      namespace: { value: "todo-dev" },
      imageSources: { value: IMAGE_SOURCES },
      backendImage: { value: "todo-backend:c-1111111111111111" },
      frontendImage: { value: "todo-frontend:c-2222222222222222" },
    };
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  function session(): Session {
    const stack = {
      name: "dev",
      workspace: { envVars },
      up: (options: UpOptions) => {
        ups.push(options);
        return failFirst && ups.length === 1
          ? Promise.reject(
              Object.assign(new Error("update failed"), {
                commandResult: { stderr: "error: build failed", code: 255 },
              }),
            )
          : Promise.resolve({});
      },
      outputs: () => Promise.resolve(outputs),
      exportStack: () => Promise.resolve({ version: 3, deployment: { resources: deployedState() } }),
      info: () => Promise.resolve(undefined),
    } as unknown as Stack;
    const invocation: Invocation = {
      command: "dev",
      stack: "dev",
      stackSource: "default",
      deleteUnreachable: false,
      dev: { frontendPort: 3000, downOnExit: false },
    };
    // No kubectl on this machine: the loop runs without forwards and logs, the identity is not readable.
    const run = (): CommandResult => ({ status: null, stdout: "", stderr: "", error: new Error("ENOENT") });
    return {
      invocation,
      projectDir: stateDir,
      platform: "linux",
      backend: { url: `file://${stateDir}`, localDir: stateDir, source: "default", kind: "diy" },
      location: { kind: "path", version: "v3.265.0" },
      stack,
      target: {
        kubeContext: "kind-dev",
        minikubeProfile: "",
        buildTarget: "docker",
        usesMinikube: false,
        minikubeContainerRuntime: "docker",
      },
      daemon: { kind: "local" },
      run,
    } as unknown as Session;
  }

  /** A loop that runs one targeted and one full cycle, then ends as Ctrl-C ends it. */
  function capturingLoop(seen: { deps?: DevRunDeps }) {
    return async (deps: DevRunDeps): Promise<number> => {
      seen.deps = deps;
      const onEvent = () => undefined;
      await deps.update({ targets: ["urn:pulumi:dev::todo-app::todo:app:AppService::backend"], onEvent });
      await deps.update({ onEvent });
      return 130;
    };
  }

  it("deploys first as npm run up does, then targets a cycle's update with its dependents, quietly", async () => {
    const seen: { deps?: DevRunDeps } = {};
    const code = await runDev(session(), {
      runLoop: capturingLoop(seen),
      plainConfig: () => ({ "todo-app:logLevel": { value: "debug" } }),
    });
    expect(code).toBe(130);
    expect(ups).toHaveLength(3);
    // The first update: no targets, the live output, the replace list of a recreated cluster (none here).
    expect(ups[0].target).toBeUndefined();
    expect(ups[0].replace).toBeUndefined();
    expect(ups[0].onEvent).toBeUndefined();
    // A targeted cycle.
    expect(ups[1].target).toEqual(["urn:pulumi:dev::todo-app::todo:app:AppService::backend"]);
    expect(ups[1].targetDependents).toBe(true);
    expect(typeof ups[1].onEvent).toBe("function");
    expect(ups[1].color).toBe("never");
    expect(ups[1].signal).toBeInstanceOf(AbortSignal);
    // A full cycle.
    expect(ups[2]).not.toHaveProperty("target");
    expect(ups[2]).not.toHaveProperty("targetDependents");
    // What the loop was given.
    expect(seen.deps?.logLevel).toBe("debug");
    expect(seen.deps?.firstDeployFailed).toBe(false);
    expect(seen.deps?.outputs.tags).toEqual({
      backend: "c-1111111111111111",
      frontend: "c-2222222222222222",
    });
    expect(seen.deps?.kubectl).toBeUndefined();
    expect((await seen.deps!.readState()).length).toBe(deployedState().length);
    // A recreated cluster's delete-unreachable ends with the first update.
    expect(envVars).not.toHaveProperty("PULUMI_K8S_DELETE_UNREACHABLE");
  });

  it("starts the loop after a failed first update of a stack that ran before, owing a full update", async () => {
    failFirst = true;
    const seen: { deps?: DevRunDeps } = {};
    expect(await runDev(session(), { runLoop: capturingLoop(seen), plainConfig: () => ({}) })).toBe(130);
    expect(seen.deps?.firstDeployFailed).toBe(true);
    expect(seen.deps?.logLevel).toBe("info");
  });

  it("ends as npm run up does when a stack's very first update fails (there is no version to keep)", async () => {
    failFirst = true;
    outputs = {};
    const seen: { deps?: DevRunDeps } = {};
    await expect(
      runDev(session(), { runLoop: capturingLoop(seen), plainConfig: () => ({}) }),
    ).rejects.toThrow("update failed");
    expect(seen.deps).toBeUndefined();
  });
});
