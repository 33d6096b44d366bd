/**
 * kind as this project sees it: which names it gives clusters. `kind create cluster` refuses any other name,
 * so a `kind-*` context whose rest breaks the rule was not made by kind, and is refused before the program
 * registers anything that would pass it to `kind load --name`.
 */

/**
 * kind's own rule for a cluster name (sigs.k8s.io/kind pkg/internal/apis/config/validate.go, validNameRE:
 * "similar to valid docker container names"), checked by `Cluster.Validate` when the cluster is created.
 */
export const KIND_CLUSTER_NAME = /^[a-z0-9.-]+$/;

export function isKindClusterName(name: string): boolean {
  return KIND_CLUSTER_NAME.test(name);
}
