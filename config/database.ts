/**
 * The database: an external one (databaseUrl set, read with the secrets), or PostgreSQL in the cluster.
 */
import { isPinnedImage } from "../images/reference";
import { quantityValue, isQuantity } from "../k8s/resources";
import type { ConfigReader } from "./reader";
import { DEFAULT_RESOURCES, parseResources } from "./resources";
import type { DatabaseSettings } from "./types";
import { isDns1123Subdomain } from "./validate";

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
  if (!isPinnedImage(image)) {
    problems.add(
      "postgresImage",
      image,
      "an image reference with an explicit tag or digest other than latest, e.g. postgres:16.6-bookworm",
    );
  }
  if (!isQuantity(storageSize) || !(quantityValue(storageSize) >= 2 ** 20)) {
    problems.add("postgresStorageSize", storageSize, "a storage quantity of at least 1Mi, e.g. 1Gi or 500Mi");
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
