/**
 * The local Docker daemon as image delivery needs to know it: which image store it keeps images in. With the
 * containerd image store (the default of Docker 29 and of Docker Desktop) `docker save` writes an image's
 * whole OCI index, and `kind load docker-image` then fails importing platforms whose layers were never
 * pulled (kubernetes-sigs/kind#3795); a single-platform archive loads everywhere.
 */
import * as path from "path";

import type { DockerEndpoint } from "./minikube";
import type { CommandRunner } from "./process";

/** `unknown` when the daemon did not answer (a preview with Docker stopped): delivery then assumes containerd. */
export type ImageStore = "containerd" | "classic" | "unknown";

/**
 * The snapshotter type the containerd image store reports: moby's `daemon/containerd/service.go`,
 * `ImageService.LayerStoreStatus`, returns exactly `[["driver-type", plugins.SnapshotPlugin]]`, and
 * containerd's `plugins.SnapshotPlugin` is this string. The classic store reports its graph driver's status
 * instead (`[["Backing Filesystem","extfs"], ...]`).
 */
export const CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1";

/** Reads `docker info --format '{{json .DriverStatus}}'`: a JSON list of `[key, value]` pairs. */
export function parseImageStore(driverStatusJson: string): ImageStore {
  let status: unknown;
  try {
    status = JSON.parse(driverStatusJson.trim());
  } catch {
    return "unknown";
  }
  if (!Array.isArray(status)) {
    return "unknown";
  }
  const containerd = status.some(
    (pair) => Array.isArray(pair) && pair[0] === "driver-type" && pair[1] === CONTAINERD_SNAPSHOTTER,
  );
  return containerd ? "containerd" : "classic";
}

/** The docker CLI's global flags that point it at `endpoint`, the way the docker provider is pointed. */
export function dockerCliArgs(endpoint: DockerEndpoint | undefined): string[] {
  if (!endpoint) {
    return [];
  }
  const tls = endpoint.certPath
    ? [
        "--tlsverify",
        "--tlscacert",
        path.join(endpoint.certPath, "ca.pem"),
        "--tlscert",
        path.join(endpoint.certPath, "cert.pem"),
        "--tlskey",
        path.join(endpoint.certPath, "key.pem"),
      ]
    : [];
  return ["--host", endpoint.host, ...tls];
}

/** Asks the daemon that builds the images which store it uses. */
export function detectImageStore(run: CommandRunner, endpoint?: DockerEndpoint): ImageStore {
  const result = run("docker", [...dockerCliArgs(endpoint), "info", "--format", "{{json .DriverStatus}}"]);
  return result.status === 0 ? parseImageStore(result.stdout) : "unknown";
}
