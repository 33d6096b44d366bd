/**
 * The database: an external one (databaseUrl set, read with the secrets), or PostgreSQL in the cluster.
 */
import { IMAGE_REFERENCE_ACCEPTED, imageReferenceProblem, isPinnedImage } from "../images/reference";
import { parseQuantity, quantityProblem } from "../k8s/resources";
import type { ConfigReader } from "./reader";
import { DEFAULT_RESOURCES, parseResources } from "./resources";
import type { DatabaseSettings } from "./types";
import { isDns1123Subdomain } from "./validate";

/**
 * The smallest volume PostgreSQL can start on: a fresh PostgreSQL 16 data directory is about 40 MB (the first
 * 16 MiB WAL segment, the template0/template1/postgres databases at ~7.5 MB each, and the catalogs), so 64Mi
 * leaves initdb room and the app a few MB; anything smaller fails with "No space left on device" in initdb.
 */
const MIN_STORAGE_BYTES = 64 * 2 ** 20;

/**
 * The in-cluster database's settings are validated even for an external database, so a typo is caught the
 * day it is made, not the day someone drops databaseUrl.
 */
export function readDatabase(config: ConfigReader, externalPort: number | undefined): DatabaseSettings {
  const problems = config.problems;
  const image = config.string("postgresImage");
  const storageSize = config.string("postgresStorageSize");
  const storageClass = config.string("postgresStorageClass");
  const allowReplacement = config.boolean("allowDatabaseReplacement");
  const resources = parseResources(
    problems,
    "postgresResources",
    config.raw("postgresResources"),
    DEFAULT_RESOURCES.database,
  );
  const imageProblem = imageReferenceProblem(image);
  if (imageProblem !== undefined) {
    problems.add("postgresImage", image, `${IMAGE_REFERENCE_ACCEPTED} (${imageProblem})`);
  } else if (!isPinnedImage(image)) {
    problems.add(
      "postgresImage",
      image,
      "an image reference with an explicit tag or digest other than latest, e.g. postgres:16.6-bookworm",
    );
  }
  const sizeProblem =
    quantityProblem("storage", storageSize) ??
    ((parseQuantity(storageSize)?.magnitude ?? 0) < MIN_STORAGE_BYTES ? "it is under 64Mi" : undefined);
  if (sizeProblem !== undefined) {
    problems.add(
      "postgresStorageSize",
      storageSize,
      `a storage quantity of at least 64Mi (${sizeProblem}), e.g. 1Gi or 500Mi: initdb alone writes about ` +
        "40 MB (a 16 MiB WAL segment and the template databases), so a smaller volume fails on first start",
    );
  }
  if (storageClass !== "" && !isDns1123Subdomain(storageClass)) {
    problems.add(
      "postgresStorageClass",
      storageClass,
      "the name of a StorageClass (see `kubectl get storageclass`), or empty for the default",
    );
  }
  if (externalPort !== undefined) {
    return { mode: "external", port: externalPort };
  }
  return { mode: "in-cluster", image, storageSize, storageClass, resources, allowReplacement };
}
