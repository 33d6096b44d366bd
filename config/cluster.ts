/**
 * The cluster settings: which context, which namespace, how many pods, how the frontend is reached.
 */
import { CONFIG_KEYS } from "./keys";
import type { ConfigReader } from "./reader";
import type { ClusterSettings } from "./types";
import { isDns1123Label, isHttpUrl, isSharedNamespace, namespaceForStack } from "./validate";

export interface ClusterConfig extends ClusterSettings {
  /** The `minikubeProfile` setting; empty means "the kubeContext name". */
  readonly minikubeProfile: string;
  /** The configured public URL, or empty when the program derives it from the node address. */
  readonly frontendUrl: string;
}

export function readCluster(config: ConfigReader, stack: string): ClusterConfig {
  const problems = config.problems;
  const kubeContext = config.string("kubeContext");
  if (kubeContext === "") {
    problems.add(
      "kubeContext",
      kubeContext,
      "the name of a context in your kubeconfig (see `kubectl config get-contexts`)",
    );
  }

  const namespace = config.string("namespace") || namespaceForStack(stack);
  if (isSharedNamespace(namespace)) {
    problems.add(
      "namespace",
      namespace,
      "a namespace of this stack's own: the program labels it for the restricted Pod Security profile and " +
        "keeps it after destroy, so default, kube-system, kube-public, kube-node-lease and other kube-* " +
        "namespaces are refused",
    );
  } else if (!isDns1123Label(namespace)) {
    problems.add(
      "namespace",
      namespace,
      "a DNS-1123 label: at most 63 characters, lower-case letters, digits and '-', starting and ending " +
        "with a letter or digit",
    );
  }

  // Read by `npm run up` when it creates a profile; checked here so a typo fails the preview, naming the key.
  config.choice("minikubeContainerRuntime");
  const replicas = config.integer("replicas");
  const logLevel = config.choice("logLevel", (v) => v.toLowerCase());
  const frontendNodePort = config.integer("frontendNodePort");
  if (frontendNodePort !== 0 && frontendNodePort < 30000) {
    problems.add("frontendNodePort", config.raw("frontendNodePort"), CONFIG_KEYS.frontendNodePort.accepted);
  }

  const frontendUrl = config.string("frontendUrl");
  if (frontendUrl !== "" && !isHttpUrl(frontendUrl)) {
    problems.add("frontendUrl", frontendUrl, "an http:// or https:// URL with a host");
  }

  return {
    kubeContext,
    kubeconfig: config.string("kubeconfig") || undefined,
    minikubeProfile: config.string("minikubeProfile"),
    namespace,
    replicas,
    logLevel,
    frontendNodePort,
    frontendUrl,
  };
}
