/**
 * The kubeconfig files kubectl would read, merged the way kubectl merges them. The program and the scripts
 * both read the stack's context through here, so they can never disagree about which cluster it names.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** The parts of a kubeconfig this project reads. */
export interface Kubeconfig {
  contexts?: { name: string; context?: { cluster?: string } }[];
  clusters?: { name: string; cluster?: { "certificate-authority"?: string } }[];
}

/**
 * The kubeconfig files kubectl would read: the explicit one, else each entry of $KUBECONFIG, else
 * ~/.kube/config.
 */
export function kubeconfigFiles(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string,
): string[] {
  if (explicit) {
    return [explicit];
  }
  if (env.KUBECONFIG) {
    return env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
  }
  return [path.join(home, ".kube", "config")];
}

/** Merged the way kubectl merges $KUBECONFIG: the first file that names a context or cluster wins. */
export function readKubeconfigFiles(files: readonly string[]): Kubeconfig {
  const merged: Kubeconfig = { contexts: [], clusters: [] };
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as Kubeconfig | null;
    for (const c of doc?.contexts ?? [])
      if (!merged.contexts!.some((m) => m.name === c.name)) merged.contexts!.push(c);
    for (const c of doc?.clusters ?? [])
      if (!merged.clusters!.some((m) => m.name === c.name)) merged.clusters!.push(c);
  }
  return merged;
}

/** The cluster entry a context points at, if the kubeconfig has both. */
export function clusterOf(kubeContext: string, kubeconfig: Kubeconfig | undefined) {
  const ctx = kubeconfig?.contexts?.find((c) => c.name === kubeContext);
  const clusterName = ctx?.context?.cluster;
  return clusterName ? kubeconfig?.clusters?.find((c) => c.name === clusterName) : undefined;
}
