/**
 * The image load: which loader each cluster gets, what reaches the command's environment, and the fixed
 * script itself, run with node against stand-in `docker`, `kind` and `minikube` executables that record the
 * argument lists they receive.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  type ImageLoad,
  LOAD_COMMAND,
  LOAD_INTERPRETER,
  LOAD_SCRIPT,
  loadEnvironment,
  loaderFor,
} from "../../host/imageLoad";

const IMAGE = "todo-backend:c-0123456789abcdef";

describe("loaderFor", () => {
  const kind = (imageStore: ImageLoad["imageStore"]): ImageLoad => ({
    into: "kind",
    cluster: "dev",
    imageStore,
  });

  it("keeps `kind load docker-image` for the classic image store", () => {
    expect(loaderFor(kind("classic"))).toBe("kind-docker-image");
  });

  it("uses a single-platform archive for the containerd store (kind#3795), and when the store is unknown", () => {
    expect(loaderFor(kind("containerd"))).toBe("kind-archive");
    expect(loaderFor(kind("unknown"))).toBe("kind-archive");
  });

  it("loads an archive into a minikube profile whatever the store", () => {
    for (const imageStore of ["classic", "containerd"] as const) {
      expect(
        loaderFor({ into: "minikube", profile: "minikube", containerRuntime: "containerd", imageStore }),
      ).toBe("minikube-archive");
    }
  });
});

describe("loadEnvironment", () => {
  it("hands the cluster and the store's choice to the script as variables", () => {
    expect(loadEnvironment({ into: "kind", cluster: "dev", imageStore: "containerd" }, undefined)).toEqual({
      TODO_LOADER: "kind-archive",
      TODO_SINGLE_PLATFORM: "1",
      TODO_KIND_CLUSTER: "dev",
    });
    expect(
      loadEnvironment(
        { into: "minikube", profile: "p", containerRuntime: "containerd", imageStore: "classic" },
        undefined,
      ),
    ).toEqual({ TODO_LOADER: "minikube-archive", TODO_SINGLE_PLATFORM: "0", TODO_MINIKUBE_PROFILE: "p" });
  });

  it("points the docker CLI at the daemon that built the image, as DOCKER_HOST and its TLS variables", () => {
    expect(
      loadEnvironment(
        { into: "kind", cluster: "dev", imageStore: "classic" },
        { host: "tcp://10.0.0.5:2376", certPath: "/certs" },
      ),
    ).toMatchObject({
      DOCKER_HOST: "tcp://10.0.0.5:2376",
      DOCKER_CERT_PATH: "/certs",
      DOCKER_TLS_VERIFY: "1",
    });
  });

  it("runs under node, never a shell, with a fixed command", () => {
    expect(LOAD_INTERPRETER).toEqual(["node", "-e", LOAD_SCRIPT]);
    expect(LOAD_COMMAND).toMatch(/^[a-z-]+$/);
  });
});

/** Writes stand-in tools that log `{tool, args, archives}` (whether each .tar argument exists) to FAKE_LOG. */
function fakeTools(dir: string): void {
  const script = `#!${process.execPath}
const fs = require("fs");
const tool = require("path").basename(process.argv[1]);
const args = process.argv.slice(2);
const archives = args.filter((a) => a.endsWith(".tar")).map((a) => fs.existsSync(a));
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool, args, archives }) + "\\n");
if (tool === "docker" && args[0] === "image") process.stdout.write("linux/arm64\\n");
if (tool === "docker" && args[0] === "save") fs.writeFileSync(args[args.indexOf("--output") + 1], "tar");
if (tool === "minikube" && args.includes("ls")) process.stdout.write(process.env.FAKE_MINIKUBE_LS || "");
process.exit(Number(process.env["FAKE_EXIT_" + tool.toUpperCase()] || 0));
`;
  for (const tool of ["docker", "kind", "minikube"]) {
    fs.writeFileSync(path.join(dir, tool), script, { mode: 0o755 });
  }
}

interface Call {
  tool: string;
  args: string[];
  archives: boolean[];
}

describe.skipIf(process.platform === "win32")("the load script", () => {
  let dir: string;
  let tmp: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "load-test-"));
    tmp = path.join(dir, "tmp");
    fs.mkdirSync(path.join(dir, "bin"));
    fs.mkdirSync(tmp);
    fakeTools(path.join(dir, "bin"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function load(env: Record<string, string>): { status: number | null; stderr: string; calls: Call[] } {
    const log = path.join(dir, "calls.log");
    const result = spawnSync(process.execPath, ["-e", LOAD_SCRIPT, LOAD_COMMAND], {
      encoding: "utf8",
      env: {
        PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH ?? ""}`,
        TMPDIR: tmp,
        FAKE_LOG: log,
        TODO_IMAGE: IMAGE,
        ...env,
      },
    });
    const calls = fs.existsSync(log)
      ? fs
          .readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as Call)
      : [];
    return { status: result.status, stderr: result.stderr, calls };
  }

  it("runs `kind load docker-image` for the classic store", () => {
    const { status, calls } = load({ TODO_LOADER: "kind-docker-image", TODO_KIND_CLUSTER: "dev" });
    expect(status).toBe(0);
    expect(calls.map((c) => [c.tool, ...c.args])).toEqual([
      ["kind", "load", "docker-image", IMAGE, "--name", "dev"],
    ]);
  });

  it("saves the image's own platform to an archive and loads that into kind, then removes it", () => {
    const { status, calls } = load({
      TODO_LOADER: "kind-archive",
      TODO_KIND_CLUSTER: "dev",
      TODO_SINGLE_PLATFORM: "1",
    });
    expect(status).toBe(0);
    const [inspect, save, kindLoad] = calls;
    expect(inspect.args).toEqual(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", IMAGE]);
    // The workaround kind's maintainers give in kind#3795: docker save --platform, then kind load image-archive.
    expect(save.args.slice(0, 3)).toEqual(["save", "--platform", "linux/arm64"]);
    const archive = save.args[save.args.indexOf("--output") + 1];
    expect(kindLoad.args).toEqual(["load", "image-archive", archive, "--name", "dev"]);
    expect(kindLoad.archives).toEqual([true]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it("loads an archive into a minikube profile and checks that the profile lists the image", () => {
    const { status, calls } = load({
      TODO_LOADER: "minikube-archive",
      TODO_MINIKUBE_PROFILE: "minikube",
      TODO_SINGLE_PLATFORM: "0",
      // containerd lists images by their full name (crictl images: docker.io/library/<name>:<tag>).
      FAKE_MINIKUBE_LS: `registry.k8s.io/pause:3.10\ndocker.io/library/${IMAGE}\n`,
    });
    expect(status).toBe(0);
    expect(calls.map((c) => c.tool)).toEqual(["docker", "minikube", "minikube"]);
    expect(calls[0].args[0]).toBe("save");
    expect(calls[0].args).not.toContain("--platform");
    expect(calls[1].args.slice(0, 4)).toEqual(["-p", "minikube", "image", "load"]);
    expect(calls[1].archives).toEqual([true]);
    expect(calls[2].args).toEqual(["-p", "minikube", "image", "ls", "--format", "short"]);
  });

  it("fails when minikube says it loaded but the profile does not list the image", () => {
    // pkg/minikube/machine/cache_images.go DoLoadImages: "Live pushes are not considered a failure".
    const { status, stderr } = load({
      TODO_LOADER: "minikube-archive",
      TODO_MINIKUBE_PROFILE: "minikube",
      FAKE_MINIKUBE_LS: "registry.k8s.io/pause:3.10\n",
    });
    expect(status).toBe(1);
    expect(stderr).toContain(`does not list ${IMAGE}`);
  });

  it("fails with the step that failed, and still removes the archive", () => {
    const { status, stderr } = load({
      TODO_LOADER: "kind-archive",
      TODO_KIND_CLUSTER: "dev",
      TODO_SINGLE_PLATFORM: "1",
      FAKE_EXIT_KIND: "1",
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/image load failed: kind load image-archive .* exited 1/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it("passes a value with shell characters as one argument, never to a shell", () => {
    const profile = 'dev"; touch pwned; echo "$(id)';
    const { calls } = load({ TODO_LOADER: "minikube-archive", TODO_MINIKUBE_PROFILE: profile });
    expect(calls[1].args.slice(0, 2)).toEqual(["-p", profile]);
    expect(fs.existsSync(path.join(process.cwd(), "pwned"))).toBe(false);
  });
});
