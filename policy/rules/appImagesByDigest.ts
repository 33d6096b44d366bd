import { hasSha256Digest, registryHost, stringLabels } from "../props";
import { containersOf, type Workload } from "../workload";
import { workloadPolicy } from "../workloadPolicy";

/** The `app.kubernetes.io/part-of` label of the app's own workloads. */
export const APP_PART_OF = "todo-app";

/**
 * The components whose images the program builds and pushes. The in-cluster database (component "database") runs a
 * public image that the stack pins by tag (the postgresImage setting, "postgres:16.6-bookworm" by default), which
 * the program never builds, so it has no pushed digest to use.
 */
export const BUILT_COMPONENTS: readonly string[] = ["backend", "frontend"];

function isBuiltByTheApp(workload: Workload): boolean {
  const labels = stringLabels(workload.templateMetadata?.labels);
  return (
    labels["app.kubernetes.io/part-of"] === APP_PART_OF &&
    BUILT_COMPONENTS.includes(labels["app.kubernetes.io/component"] ?? "")
  );
}

/**
 * On a registry target the app's images are pushed, and a tag there can be pushed again: only the digest names
 * exactly what was built. An image without a registry host is a local build (minikube, kind or a Docker daemon:
 * `todo-backend:c-<16 hex>`), which a content tag already pins and which has no registry digest.
 */
export const appImagesByDigest = workloadPolicy({
  name: "app-images-by-digest",
  description:
    "The app's own images (pod labels part-of todo-app, component backend or frontend) that name a registry host " +
    "are referenced by digest (<repository>@sha256:<64 hex digits>), so a re-pushed tag never changes what runs. " +
    "Local builds (no registry host) and public images such as the database's are not concerned.",
  enforcementLevel: "mandatory",
  appliesTo: isBuiltByTheApp,
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      // The pushed digest is unknown during preview; it is checked again on `pulumi up`.
      if (typeof container.image !== "string") {
        continue;
      }
      const host = registryHost(container.image);
      if (host !== undefined && !hasSha256Digest(container.image)) {
        report(
          `${label}: image "${container.image}" is pulled from registry "${host}" but not by digest: reference it ` +
            "as <repository>@sha256:<64 hex digits>, so a re-pushed tag never changes what runs",
        );
      }
    }
  },
});
