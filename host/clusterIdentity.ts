/**
 * Which cluster a stack was deployed to. Kubernetes clusters have no identity of their own, but the
 * `kube-system` namespace's UID is created with the cluster and lives as long as it does, so a cluster that
 * was deleted and started again (`minikube delete && minikube start`) has a new one while keeping its name,
 * context and often its address. `npm run up` reads it and hands it to the program in an environment
 * variable; the program gives it to the Kubernetes provider as `clusterIdentifier` and exports it.
 */

/** The variable `npm run up` and `npm run preview` set for the program. */
export const CLUSTER_ID_ENV = "TODO_APP_CLUSTER_ID";

/** `kubectl <these>` prints the UID of kube-system, and nothing else. */
export const CLUSTER_ID_KUBECTL_ARGS = [
  "get",
  "namespace",
  "kube-system",
  "-o",
  "jsonpath={.metadata.uid}",
  "--request-timeout=10s",
];

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Kubernetes object UID (a UUID), or undefined for anything else. */
export function parseClusterIdentity(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && UID.test(trimmed) ? trimmed.toLowerCase() : undefined;
}

/** The identity `npm run up` passed, if any; a plain `pulumi preview` (the PR workflow) has none. */
export function clusterIdentityOf(env: NodeJS.ProcessEnv): string | undefined {
  return parseClusterIdentity(env[CLUSTER_ID_ENV]);
}
