/**
 * The guard that keeps the in-cluster PostgreSQL on its volume. A change of namespace, storage class or size
 * would start the database on a new, empty claim; the guard compares this update's volume with the one the
 * last update used (read from the stack's own `databaseVolume` output) and fails the update before anything
 * is touched, unless the user opted in with `allowDatabaseReplacement`.
 *
 * It works by gating the Kubernetes provider's namespace on the check: every Kubernetes object waits on the
 * provider, so when the check fails no object is created, changed or deleted.
 */
import * as pulumi from "@pulumi/pulumi";

import type { DatabaseSettings } from "../config";
import type { VolumeIdentity } from "../k8s/postgres";

/**
 * Compares the volume the last update used (a stack output) with the one this update would use.
 * Returns the reason to refuse, or undefined when the data stays where it is (or the user opted in).
 */
export function volumeChangeProblem(
  previous: VolumeIdentity | undefined,
  next: VolumeIdentity,
  allowReplacement: boolean,
): string | undefined {
  if (!previous || allowReplacement) {
    return undefined;
  }
  const changes = (["namespace", "storageClass", "size"] as const)
    .filter((key) => previous[key] !== next[key])
    .map((key) => `${key} ${JSON.stringify(previous[key])} -> ${JSON.stringify(next[key])}`);
  if (changes.length === 0) {
    return undefined;
  }
  return (
    `This update would move the in-cluster PostgreSQL to a new, empty volume (${changes.join(", ")}). ` +
    "Refused, so no data is lost. To go ahead: back up with pg_dump (see the README, 'Backup and restore'), " +
    "then `npm run pulumi -- config set allowDatabaseReplacement true`, run `npm run up`, and restore. The old " +
    "claim is kept (delete it with kubectl when you no longer need it). Or revert the change."
  );
}

/** The volume the in-cluster database lives on, or undefined for an external database. */
export function volumeIdentityOf(namespace: string, database: DatabaseSettings): VolumeIdentity | undefined {
  return database.mode === "in-cluster"
    ? { namespace, storageClass: database.storageClass, size: database.storageSize }
    : undefined;
}

/**
 * Reads this stack's previous `databaseVolume` output through a StackReference to itself and fails with a
 * clear message when the update would start the database on a new, empty volume and the user has not opted
 * in. Resolves to the identity when it is safe to go on.
 */
export function checkDatabaseVolume(
  identity: VolumeIdentity,
  allowReplacement: boolean,
): pulumi.Output<VolumeIdentity> {
  const self = new pulumi.StackReference("previous-update", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  return self.getOutput("databaseVolume").apply((previous: VolumeIdentity | undefined) => {
    const problem = volumeChangeProblem(previous, identity, allowReplacement);
    if (problem) {
      throw new pulumi.RunError(problem);
    }
    return identity;
  });
}

/**
 * The namespace to give the Kubernetes provider: for an in-cluster database, one that resolves only once the
 * volume check passed; for an external database, the namespace as it is.
 */
export function gatedNamespace(namespace: string, database: DatabaseSettings): pulumi.Output<string> {
  const identity = volumeIdentityOf(namespace, database);
  if (database.mode !== "in-cluster" || identity === undefined) {
    return pulumi.output(namespace);
  }
  return checkDatabaseVolume(identity, database.allowReplacement).apply(() => namespace);
}
