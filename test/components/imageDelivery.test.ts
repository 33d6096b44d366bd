/**
 * How the program gets each image to where the kubelet reads it, decided by what the machine reports: a
 * minikube profile on Docker (built in its daemon), on containerd (built locally, then loaded), and kind with
 * the classic or the containerd image store. Asserted on what the program registers and the commands it runs.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { LOAD_COMMAND, LOAD_SCRIPT } from "../../host/imageLoad";
import type { CommandResult } from "../../host/process";
import { CLASSIC_STORE, CONTAINERD_STORE, NO_DAEMON, profileList } from "../host/fixtures";
import { machine, ok } from "../scripts/stubs";
import {
  DATABASE_URL,
  MINIKUBE_DOCKER_ENV,
  type ProgramRun,
  type RegisteredResource,
  runProgram,
  runProgramError,
} from "../support/program";

const COMMAND = "command:local:Command";
const IMAGE = "docker:index/image:Image";
const PROFILE_LIST = "minikube profile list -o json --light";
const DOCKER_INFO = "docker info --format {{json .DriverStatus}}";

function loads(run: ProgramRun): RegisteredResource[] {
  return run.byType(COMMAND).sort((a, b) => a.name.localeCompare(b.name));
}

/** A load command's inputs must be the fixed script: anything from config arrives in its environment. */
function expectFixedScript(load: RegisteredResource): void {
  expect(load.inputs.create).toBe(LOAD_COMMAND);
  expect(load.inputs.interpreter).toEqual(["node", "-e", LOAD_SCRIPT]);
}

describe("a minikube profile whose runtime is containerd (minikube's announced default from v1.39)", () => {
  let run: ProgramRun;
  const answers: Record<string, CommandResult> = {
    [PROFILE_LIST]: ok(profileList([{ name: "minikube", runtime: "containerd", ip: "192.168.49.2" }])),
    "docker info": CONTAINERD_STORE,
  };
  beforeAll(async () => {
    run = await runProgram({ config: { databaseUrl: DATABASE_URL }, run: machine(answers) });
  });

  it("reads the runtime from the profile's saved config and never asks docker-env, which would start nerdctld", () => {
    // cmd/minikube/cmd/docker-env.go: for containerd it starts nerdctld and an ssh-agent ("highly experimental").
    expect(run.commands).toEqual([PROFILE_LIST, DOCKER_INFO]);
  });

  it("builds both images with the local Docker daemon", () => {
    expect(run.one("pulumi:providers:docker").inputs.host).toBeUndefined();
    expect(run.byType(IMAGE)).toHaveLength(2);
  });

  it("loads each image into the profile once it is built, rerun exactly when its content tag changes", () => {
    const [backend, frontend] = loads(run);
    expect([backend.name, frontend.name]).toEqual(["backend-minikube-load", "frontend-minikube-load"]);
    for (const [load, service] of [
      [backend, "backend"],
      [frontend, "frontend"],
    ] as const) {
      const image = run.one(IMAGE, `${service}-image`).inputs.imageName as string;
      expectFixedScript(load);
      expect(load.inputs.environment).toEqual({
        TODO_LOADER: "minikube-archive",
        TODO_SINGLE_PLATFORM: "1",
        TODO_MINIKUBE_PROFILE: "minikube",
        TODO_IMAGE: image,
      });
      expect(load.inputs.triggers).toEqual([image.split(":")[1]]);
      expect(load.opts?.dependencies).toContainEqual(expect.stringContaining(`::${service}-image`));
    }
  });

  it("runs the pods on the loaded, content-tagged references", () => {
    expect(run.outputs.backendImage).toMatch(/^todo-backend:c-[0-9a-f]{16}$/);
    expect(run.outputs.frontendImage).toMatch(/^todo-frontend:c-[0-9a-f]{16}$/);
  });

  it("opens the frontend on the profile's node address, and keeps minikube's URL command", () => {
    expect(run.outputs.frontendUrl).toBe("http://192.168.49.2:30080");
    expect(run.outputs.frontendUrlCommand).toBe(
      "minikube -p minikube service todo-frontend -n todo-dev --url",
    );
    expect(run.outputs.buildTarget).toBe("minikube");
  });
});

describe("a minikube profile on CRI-O with a classic local store, and an unusual profile name", () => {
  it("refuses a profile name minikube would refuse (it holds shell characters), before anything is registered", async () => {
    const error = await runProgramError({
      config: { databaseUrl: DATABASE_URL, minikubeProfile: 'team"; touch pwned; echo "$(id)' },
    });
    expect(error.message).toMatch(/todo-app:minikubeProfile/);
    expect(error.registered.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });

  it("saves every platform, and passes the profile name only through the environment", async () => {
    const profile = "team-1.prod";
    const run = await runProgram({
      config: { databaseUrl: DATABASE_URL, minikubeProfile: profile },
      run: machine({
        [PROFILE_LIST]: ok(profileList([{ name: profile, runtime: "cri-o" }])),
        "docker info": CLASSIC_STORE,
      }),
    });
    for (const load of loads(run)) {
      expectFixedScript(load);
      expect(load.inputs.environment).toMatchObject({
        TODO_MINIKUBE_PROFILE: profile,
        TODO_SINGLE_PLATFORM: "0",
      });
    }
  });
});

describe("a minikube profile whose runtime is Docker", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({
      config: { databaseUrl: DATABASE_URL },
      run: machine({
        [PROFILE_LIST]: ok(profileList([{ name: "minikube", runtime: "docker" }])),
        "minikube -p minikube docker-env": ok(MINIKUBE_DOCKER_ENV),
      }),
    });
  });

  it("builds straight into the profile's Docker daemon and loads nothing", () => {
    expect(run.commands).toEqual([PROFILE_LIST, "minikube -p minikube docker-env --shell none"]);
    expect(run.one("pulumi:providers:docker").inputs.host).toBe("tcp://192.168.49.2:2376");
    expect(run.byType(COMMAND)).toEqual([]);
  });
});

describe("a minikube profile whose saved config cannot be read", () => {
  it("is taken to run Docker, as before, so docker-env decides", async () => {
    // The harness's default machine answers every minikube command with docker-env output.
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    expect(run.commands).toEqual([PROFILE_LIST, "minikube -p minikube docker-env --shell none"]);
    expect(run.byType(COMMAND)).toEqual([]);
  });
});

describe("kind", () => {
  const kindStack = (store: CommandResult, extra: Record<string, string> = {}) =>
    runProgram({
      config: { databaseUrl: DATABASE_URL, kubeContext: "kind-dev", ...extra },
      run: machine({ "docker info": store, docker: store }),
    });

  it("keeps `kind load docker-image` with Docker's classic image store", async () => {
    const run = await kindStack(CLASSIC_STORE);
    expect(run.commands).toEqual([DOCKER_INFO]);
    const names = loads(run).map((l) => l.name);
    expect(names).toEqual(["backend-kind-load", "frontend-kind-load"]);
    for (const load of loads(run)) {
      expectFixedScript(load);
      expect(load.inputs.environment).toMatchObject({
        TODO_LOADER: "kind-docker-image",
        TODO_KIND_CLUSTER: "dev",
        TODO_SINGLE_PLATFORM: "0",
      });
      expect(load.inputs.triggers).toEqual([load.inputs.environment.TODO_IMAGE.split(":")[1]]);
    }
  });

  it("loads a single-platform archive with the containerd image store (Docker 29's default, kind#3795)", async () => {
    const run = await kindStack(CONTAINERD_STORE);
    for (const load of loads(run)) {
      expect(load.inputs.environment).toMatchObject({
        TODO_LOADER: "kind-archive",
        TODO_SINGLE_PLATFORM: "1",
      });
    }
  });

  it("uses the archive, which works with either store, when the daemon does not answer", async () => {
    const run = await kindStack(NO_DAEMON);
    expect(loads(run).map((l) => l.inputs.environment.TODO_LOADER)).toEqual(["kind-archive", "kind-archive"]);
  });

  it("asks, and loads from, the configured daemon", async () => {
    const run = await kindStack(CLASSIC_STORE, { dockerHost: "tcp://10.0.0.5:2376" });
    expect(run.commands).toEqual([`docker --host tcp://10.0.0.5:2376 info --format {{json .DriverStatus}}`]);
    for (const load of loads(run)) {
      expect(load.inputs.environment).toMatchObject({ DOCKER_HOST: "tcp://10.0.0.5:2376" });
    }
  });

  it("refuses a kind context whose cluster name kind itself would refuse, before registering anything", async () => {
    // sigs.k8s.io/kind pkg/internal/apis/config/validate.go: validNameRE = ^[a-z0-9.-]+$
    const error = await runProgramError({
      config: { databaseUrl: DATABASE_URL, kubeContext: "kind-dev;id" },
      run: machine({ "docker info": CLASSIC_STORE }),
    });
    expect(error.message).toMatch(/todo-app:kubeContext.*"kind-dev;id".*\^\[a-z0-9\.-\]\+\$/s);
    expect(error.registered).toEqual([]);
  });
});

describe("Docker Desktop and registries", () => {
  it("load nothing: Docker Desktop's kubelet reads the daemon that built, a registry is pushed to", async () => {
    const run = await runProgram({
      config: { databaseUrl: DATABASE_URL, kubeContext: "docker-desktop" },
      run: machine({}),
    });
    expect(run.commands).toEqual([]);
    expect(run.byType(COMMAND)).toEqual([]);
  });
});
