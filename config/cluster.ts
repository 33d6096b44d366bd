/**
 * The cluster settings: which context, which namespace, how many pods, how the frontend is reached.
 */
import { normalizeContainerRuntime } from "../host/minikube";
import { CONFIG_KEYS } from "./keys";
import type { ConfigReader } from "./reader";
import type { ClusterSettings } from "./types";
import {
  invisibleCharacter,
  isDns1123Label,
  isSharedNamespace,
  minikubeProfileProblem,
  namespaceForStack,
  publishedUrlProblem,
  urlSummary,
} from "./validate";

export interface ClusterConfig extends ClusterSettings {
  /** The `minikubeProfile` setting; empty means "the kubeContext name". */
  readonly minikubeProfile: string;
  /** The configured public URL, or empty when the program derives it from the node address. */
  readonly frontendUrl: string;
}

export function readCluster(config: ConfigReader, stack: string): ClusterConfig {
  const problems = config.problems;
  const kubeContext = config.string("kubeContext");
  const invisible = invisibleCharacter(config.raw("kubeContext"));
  if (invisible !== undefined) {
    problems.add(
      "kubeContext",
      kubeContext,
      `a context name without invisible characters: it contains one (${invisible.codePoint}) at position ` +
        `${invisible.position}, which no \`kubectl config get-contexts\` line shows; retype the name`,
    );
  } else if (kubeContext === "") {
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
  config.choice("minikubeContainerRuntime", normalizeContainerRuntime);
  const replicas = config.integer("replicas");
  const rolloutTimeout = config.integer("rolloutTimeout");
  const logLevel = config.choice("logLevel", (v) => v.toLowerCase());
  const frontendNodePort = config.integer("frontendNodePort");
  if (frontendNodePort !== 0 && frontendNodePort < 30000) {
    problems.add("frontendNodePort", config.raw("frontendNodePort"), CONFIG_KEYS.frontendNodePort.accepted);
  }

  const frontendUrl = config.string("frontendUrl");
  const urlProblem = frontendUrl === "" ? undefined : publishedUrlProblem(frontendUrl);
  if (urlProblem !== undefined) {
    problems.add(
      "frontendUrl",
      frontendUrl.includes("@") ? urlSummary(frontendUrl) : frontendUrl,
      urlProblem,
    );
  }

  const minikubeProfile = config.string("minikubeProfile");
  if (minikubeProfile !== "") {
    const hidden = invisibleCharacter(config.raw("minikubeProfile"));
    const profileProblem =
      hidden !== undefined
        ? `a profile name without invisible characters: it contains one (${hidden.codePoint}) at position ${hidden.position}`
        : minikubeProfileProblem(minikubeProfile);
    if (profileProblem !== undefined) problems.add("minikubeProfile", minikubeProfile, profileProblem);
  }

  return {
    kubeContext,
    kubeconfig: config.string("kubeconfig") || undefined,
    minikubeProfile,
    namespace,
    replicas,
    rolloutTimeout,
    logLevel,
    frontendNodePort,
    frontendUrl,
  };
}
