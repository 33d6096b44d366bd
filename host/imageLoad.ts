/**
 * Getting an image that a Docker daemon built onto nodes that do not read that daemon: kind's nodes, and a
 * minikube profile whose runtime is containerd or CRI-O.
 *
 * The work is one fixed Node.js script that `@pulumi/command` runs as `node -e <script>`. Every value (the
 * image, the cluster or profile, the daemon) reaches it through the command's environment, never through its
 * text, so no configuration value is ever read by a shell; and it runs alike on Linux, macOS and Windows,
 * where the provider's default interpreter would be `/bin/sh -c` or `cmd /C` (pulumi-command
 * provider/pkg/provider/local/commandOutputs.go, `run`: the interpreter's arguments, then the command).
 */
import type { ImageStore } from "./docker";
import type { DockerEndpoint } from "./minikube";

/** Where an image built by a Docker daemon has to be loaded before the kubelet can run it. */
export type ImageLoad =
  | {
      readonly into: "kind";
      /** The kind cluster (`kind-<cluster>` context), already checked against kind's name rule. */
      readonly cluster: string;
      /** The store of the daemon that builds: it decides how the image leaves it. */
      readonly imageStore: ImageStore;
    }
  | {
      readonly into: "minikube";
      readonly profile: string;
      /** The profile's runtime (containerd, cri-o): why the image cannot be built in its daemon. */
      readonly containerRuntime: string;
      readonly imageStore: ImageStore;
    };

/**
 * - `kind-docker-image`: `kind load docker-image`, for the classic image store, where it has always worked.
 * - `kind-archive`: a single-platform `docker save` and `kind load image-archive`, the workaround kind's
 *   maintainers document for the containerd image store (kubernetes-sigs/kind#3795, kind#4247): `kind load
 *   docker-image` saves the whole OCI index and imports it with `ctr images import --all-platforms`
 *   (pkg/cmd/kind/load/docker-image/docker-image.go `save`; pkg/cluster/nodeutils/util.go
 *   `LoadImageArchive`), which fails on the platforms whose layers were never pulled.
 * - `minikube-archive`: `docker save` and `minikube image load <archive>`. minikube loads a local archive
 *   straight into the runtime without its image cache (cmd/minikube/cmd/image.go, loadImageCmd;
 *   pkg/minikube/machine/cache_images.go `DoLoadImages`), which suits content tags: a tag is never reloaded
 *   with other content, so minikube's same-tag reload problems (kubernetes/minikube#11276, #23023) cannot
 *   arise. `minikube image build` is not used: it builds a context copied into the node with the Dockerfile
 *   inside it (pkg/minikube/machine/build_images.go `transferAndBuildImage`), while these Dockerfiles sit
 *   outside their contexts and choose their own ignore files.
 */
export type Loader = "kind-docker-image" | "kind-archive" | "minikube-archive";

export function loaderFor(load: ImageLoad): Loader {
  if (load.into === "minikube") {
    return "minikube-archive";
  }
  return load.imageStore === "classic" ? "kind-docker-image" : "kind-archive";
}

/**
 * The command's environment, except the image reference (an Output, which the component adds as
 * TODO_IMAGE). A daemon other than the default one is passed the way the docker CLI reads it, so the
 * archive is saved from the daemon that built the image.
 */
export function loadEnvironment(load: ImageLoad, docker: DockerEndpoint | undefined): Record<string, string> {
  const env: Record<string, string> = {
    TODO_LOADER: loaderFor(load),
    // The containerd store keeps the whole index; an unknown store is treated like it, since saving one
    // platform is right for both stores.
    TODO_SINGLE_PLATFORM: load.imageStore === "classic" ? "0" : "1",
  };
  if (load.into === "kind") {
    env.TODO_KIND_CLUSTER = load.cluster;
  } else {
    env.TODO_MINIKUBE_PROFILE = load.profile;
  }
  if (docker) {
    env.DOCKER_HOST = docker.host;
    if (docker.certPath) {
      env.DOCKER_CERT_PATH = docker.certPath;
      env.DOCKER_TLS_VERIFY = "1";
    }
  }
  return env;
}

/**
 * The script. It saves one platform (the one the image was built for, from `docker image inspect`) when
 * TODO_SINGLE_PLATFORM is 1, loads, and for minikube checks that the profile now lists the image: minikube
 * logs a failed load and still exits 0 ("Live pushes are not considered a failure", DoLoadImages).
 */
export const LOAD_SCRIPT = String.raw`"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const env = process.env;

function run(command, args, capture) {
  const shown = [command].concat(args).join(" ");
  const result = spawnSync(command, args, {
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  if (result.error) throw new Error("could not run " + shown + ": " + result.error.message);
  if (result.status !== 0) {
    throw new Error(shown + " exited " + (result.status === null ? result.signal : result.status));
  }
  return capture ? result.stdout : "";
}

function required(name) {
  const value = env[name];
  if (!value) throw new Error(name + " is not set");
  return value;
}

function save(image, archive) {
  if (env.TODO_SINGLE_PLATFORM === "1") {
    const format = "{{.Os}}/{{.Architecture}}";
    const platform = run("docker", ["image", "inspect", "--format", format, image], true).trim();
    run("docker", ["save", "--platform", platform, "--output", archive, image]);
  } else {
    run("docker", ["save", "--output", archive, image]);
  }
}

function withArchive(use) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-image-"));
  try {
    use(path.join(dir, "image.tar"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function normalized(ref) {
  const slash = ref.indexOf("/");
  const first = ref.split("/")[0];
  if (slash >= 0 && (first.indexOf(".") >= 0 || first.indexOf(":") >= 0 || first === "localhost")) return ref;
  return slash >= 0 ? "docker.io/" + ref : "docker.io/library/" + ref;
}

function main() {
  const image = required("TODO_IMAGE");
  const loader = required("TODO_LOADER");
  if (loader === "kind-docker-image") {
    run("kind", ["load", "docker-image", image, "--name", required("TODO_KIND_CLUSTER")]);
  } else if (loader === "kind-archive") {
    const cluster = required("TODO_KIND_CLUSTER");
    withArchive((archive) => {
      save(image, archive);
      run("kind", ["load", "image-archive", archive, "--name", cluster]);
    });
  } else if (loader === "minikube-archive") {
    const profile = required("TODO_MINIKUBE_PROFILE");
    withArchive((archive) => {
      save(image, archive);
      run("minikube", ["-p", profile, "image", "load", archive]);
    });
    const listed = run("minikube", ["-p", profile, "image", "ls", "--format", "short"], true)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "");
    if (!listed.some((line) => normalized(line) === normalized(image))) {
      throw new Error(
        "minikube -p " + profile + " image load exited 0, but the profile does not list " + image +
          " (minikube reports a failed load only in its log): see minikube -p " + profile + " logs",
      );
    }
  } else {
    throw new Error("unknown TODO_LOADER " + loader);
  }
  console.log("loaded " + image);
}

try {
  main();
} catch (error) {
  console.error("image load failed: " + error.message);
  process.exitCode = 1;
}
`;

/** `node -e <script> <label>`: the provider appends the command to the interpreter's arguments. */
export const LOAD_INTERPRETER: readonly string[] = ["node", "-e", LOAD_SCRIPT];

/** The command itself is only a label (the script's first argument, unused), shown in the provider's errors. */
export const LOAD_COMMAND = "todo-app-image-load";
