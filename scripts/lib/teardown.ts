/**
 * `npm run down` when the cluster is gone (`minikube delete`, `kind delete cluster`, a context removed from the
 * kubeconfig): what it can still delete, what it can only remove from the state, and what it says it left.
 *
 * - pulumi-kubernetes refuses to delete from a cluster it cannot reach unless PULUMI_K8S_DELETE_UNREACHABLE is
 *   "true" (pulumi-kubernetes provider/pkg/provider/provider.go: Configure reads the variable when the provider
 *   has no `deleteUnreachable` setting, and marks the cluster unreachable when the kubeconfig has no such context
 *   or the API server does not answer; Delete then logs "Deleting the unreachable resource from Pulumi state" and
 *   succeeds instead of failing with "configured Kubernetes cluster is unreachable").
 * - pulumi-docker connects to its daemon when it is configured, and the engine configures a resource's provider
 *   before deleting it (pulumi/pulumi pkg/resource/deploy/step_generator.go GenerateDeletes → EnsureProvider). A
 *   deleted minikube took its Docker daemon along, so the images' delete can only fail; those resources are
 *   removed from the state instead (`pulumi state delete`). Deleting a provider resource itself configures
 *   nothing (providers/registry.go Registry.Delete), so once its images are gone the docker provider goes too.
 *
 * The images' dependents (the Deployments) must go first, since `pulumi state delete` refuses a resource others
 * depend on: a first destroy excludes the images (the engine keeps their parents and provider too), then the
 * images leave the state, then a second destroy removes what is left.
 */
import type { Kubeconfig } from "../../host/kubeconfig";
import type { MinikubeStatus } from "../../host/minikube";
import type { CommandResult, CommandRunner } from "../../host/process";
import { type BuildDaemon, describeDaemon } from "./daemon";
import { UserError } from "./errors";
import { type Kubectl, kubectl } from "./health";
import type { StackTarget } from "./minikube";
import { shellCommand } from "../../host/shellCommand";

/** The variable pulumi-kubernetes reads for `deleteUnreachable` when the provider does not set it. */
export const DELETE_UNREACHABLE_ENV = "PULUMI_K8S_DELETE_UNREACHABLE";

/** A resource of `stack.exportStack()`, as far as `down` reads it. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  /** `<provider urn>::<provider id>`. */
  readonly provider?: string;
  readonly retainOnDelete?: boolean;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

export function stateResources(exported: { deployment?: unknown }): StateResource[] {
  const resources = (exported.deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) {
    return [];
  }
  return resources.filter((r): r is StateResource => {
    const res = r as { urn?: unknown; type?: unknown };
    return typeof res.urn === "string" && typeof res.type === "string";
  });
}

/** Whether a resource is managed by a provider of `pkg` (an explicit one or the default one). */
function managedBy(resource: StateResource, pkg: string): boolean {
  return resource.provider?.includes(`::pulumi:providers:${pkg}::`) === true;
}

/** The resources whose delete would configure the docker provider, and so connect to its daemon. */
export function dockerManaged(resources: readonly StateResource[]): StateResource[] {
  return resources.filter((r) => managedBy(r, "docker"));
}

export function kubernetesObjects(resources: readonly StateResource[]): StateResource[] {
  return resources.filter((r) => managedBy(r, "kubernetes"));
}

/** The image references of the stack's docker images (their `imageName` output). */
export function imageNames(resources: readonly StateResource[]): string[] {
  return dockerManaged(resources)
    .filter((r) => r.type === "docker:index/image:Image")
    .map((r) => r.outputs?.imageName)
    .filter((name): name is string => typeof name === "string" && name !== "");
}

/**
 * The daemon the stack's docker provider was configured with at its last update, which is the one a destroy
 * connects to (the engine configures a provider from its inputs in the state): its `host` input, or the local
 * daemon when it has none. Undefined when the stack has no docker provider.
 */
export function recordedDaemon(resources: readonly StateResource[]): BuildDaemon | undefined {
  const provider = resources.find((r) => r.type === "pulumi:providers:docker");
  if (!provider) {
    return undefined;
  }
  const host = provider.inputs?.host;
  const certPath = provider.inputs?.certPath;
  if (typeof host !== "string" || host === "") {
    return { kind: "local" };
  }
  return {
    kind: "host",
    endpoint: typeof certPath === "string" && certPath !== "" ? { host, certPath } : { host },
  };
}

export type Reach =
  | { readonly kind: "reachable" }
  /** Known to be gone: its minikube profile does not exist, or the kubeconfig has no such context. */
  | { readonly kind: "gone"; readonly why: string }
  /** It exists on paper but its API server does not answer. */
  | { readonly kind: "unanswering"; readonly why: string };

export interface ReachFacts {
  readonly target: StackTarget;
  /** The profile's state after the session brought it up (`down` starts a stopped one, never creates one). */
  readonly minikube?: MinikubeStatus;
  readonly kubeconfig?: Kubeconfig;
  /** How to ask the cluster; without kubectl (and without minikube's) the cluster is assumed to answer. */
  readonly kubectl?: Kubectl;
  readonly run: CommandRunner;
}

/** Whether `down` can reach the stack's cluster. */
export function clusterReach(facts: ReachFacts): Reach {
  const { target } = facts;
  if (target.usesMinikube && facts.minikube?.state === "absent") {
    return { kind: "gone", why: `minikube profile "${target.minikubeProfile}" does not exist` };
  }
  const contexts = (facts.kubeconfig?.contexts ?? []).map((c) => c.name);
  if (contexts.length > 0 && !contexts.includes(target.kubeContext)) {
    return { kind: "gone", why: `your kubeconfig has no context "${target.kubeContext}"` };
  }
  if (!facts.kubectl) {
    return { kind: "reachable" };
  }
  const ready = kubectl(facts.kubectl, facts.run, ["get", "--raw", "/readyz", "--request-timeout=10s"]);
  if (ready.status === 0) {
    return { kind: "reachable" };
  }
  const output = (ready.error?.message ?? `${ready.stderr}\n${ready.stdout}`).trim().split(/\r?\n/)[0];
  return {
    kind: "unanswering",
    why: `kube context "${target.kubeContext}" does not answer (${output || `exit ${ready.status}`})`,
  };
}

export interface TeardownPlan {
  /** Run the destroy with PULUMI_K8S_DELETE_UNREACHABLE=true. */
  readonly deleteUnreachable: boolean;
  /** Resources to remove from the state, because the daemon their provider needs went with the cluster. */
  readonly forget: readonly StateResource[];
  /** Whether the build daemon must answer before the destroy (the stack still has docker resources to delete). */
  readonly needsDaemon: boolean;
  /** The daemon to check when it must answer. */
  readonly daemon: BuildDaemon;
}

/**
 * What `down` does on this cluster. A local cluster (minikube, kind, Docker Desktop) that is gone or does not
 * answer has its objects removed from the state; a remote one that does not answer only with
 * `--delete-unreachable`, since a network failure there must not make the stack forget objects that still run.
 */
export function planTeardown(input: {
  readonly reach: Reach;
  readonly target: StackTarget;
  readonly daemon: BuildDaemon;
  readonly minikube?: MinikubeStatus;
  readonly resources: readonly StateResource[];
  readonly deleteUnreachableFlag: boolean;
  readonly stack: string;
}): TeardownPlan {
  const docker = dockerManaged(input.resources);
  const { reach } = input;
  // A destroy configures the docker provider from its inputs in the state, so the daemon to check is the one
  // recorded there (minikube's docker-env host can change across restarts), else the current one.
  const recorded = recordedDaemon(input.resources);
  if (reach.kind === "reachable") {
    return {
      deleteUnreachable: false,
      forget: [],
      needsDaemon: docker.length > 0,
      daemon: recorded ?? input.daemon,
    };
  }
  const remote = input.target.buildTarget === "registry";
  if (remote && reach.kind === "unanswering" && !input.deleteUnreachableFlag) {
    throw new UserError(
      `The stack's cluster cannot be reached: ${reach.why}. If it is only unreachable from here, fix the ` +
        "connection and run again: nothing was changed. If the cluster was deleted, run " +
        `\`npm run down -- --stack ${input.stack} --delete-unreachable\`, which removes its objects from the ` +
        "state without deleting them.",
    );
  }
  // minikube's daemon is inside its node: a deleted profile took it along, with the images, unless the provider
  // was pointed at this machine's daemon (a containerd or CRI-O profile, whose images are built here and loaded).
  const profileGone = input.target.usesMinikube && input.minikube?.state === "absent";
  const daemonGone = profileGone && recorded?.kind !== "local";
  return {
    deleteUnreachable: true,
    forget: daemonGone ? docker : [],
    needsDaemon: !daemonGone && docker.length > 0,
    daemon: recorded ?? input.daemon,
  };
}

/** `pulumi state delete` of one resource, non-interactive, on the stack the session opened. */
export function forgetArgs(urn: string, stack: string): string[] {
  return ["state", "delete", urn, "--stack", stack, "--yes", "--non-interactive"];
}

/** Removes each resource from the state; returns the ones that could not be removed, with why. */
export function forgetResources(
  resources: readonly StateResource[],
  stack: string,
  runCli: (args: readonly string[]) => CommandResult,
): { urn: string; why: string }[] {
  const failed: { urn: string; why: string }[] = [];
  for (const resource of resources) {
    const result = runCli(forgetArgs(resource.urn, stack));
    if (result.status !== 0) {
      const why = (result.error?.message ?? `${result.stderr}\n${result.stdout}`).trim().split(/\r?\n/)[0];
      failed.push({ urn: resource.urn, why: why || `exit ${result.status}` });
    }
  }
  return failed;
}

export interface Leftovers {
  readonly stack: string;
  readonly target: StackTarget;
  readonly reach: Reach;
  readonly plan: TeardownPlan;
  /** The state before the destroy. */
  readonly resources: readonly StateResource[];
  readonly namespace?: string;
  readonly databaseClaim?: string;
  readonly daemonDescription: string;
}

/** How to remove a destroyed stack's state while keeping its committed settings. */
function stackRmHint(stack: string): string {
  return (
    `Its state and config stay: remove them with \`npm run pulumi -- stack rm --preserve-config ${stack}\` ` +
    "(--preserve-config keeps the committed Pulumi.<stack>.yaml, which `stack rm` would otherwise delete)."
  );
}

/** What `down` says once the destroy finished: what is left, where, and how to remove it. */
export function leftoverReport(input: Leftovers): string[] {
  const { stack, target, reach, plan } = input;
  const lines = [`Stack "${stack}" is destroyed. ${stackRmHint(stack)}`];
  const objects = kubernetesObjects(input.resources);
  if (plan.deleteUnreachable && reach.kind !== "reachable" && objects.length > 0) {
    lines.push(
      `Not deleted: ${objects.length} Kubernetes object(s). The cluster could not be reached (${reach.why}), so ` +
        `they were removed from the state only (pulumi-kubernetes with ${DELETE_UNREACHABLE_ENV}=true).` +
        (reach.kind === "unanswering"
          ? ` If the cluster comes back, they are still in it: \`${shellCommand(["kubectl", "--context", target.kubeContext, "delete", "namespace", input.namespace ?? "<namespace>"])}\` removes them with their data.`
          : ""),
    );
  }
  const images = imageNames(input.resources);
  if (images.length > 0) {
    lines.push(
      plan.forget.length > 0
        ? `Not deleted: the images ${images.join(", ")}, removed from the state only; their Docker daemon was ` +
            `inside minikube profile "${target.minikubeProfile}" and went with it.`
        : target.buildTarget === "registry"
          ? `Not deleted: the images ${images.join(", ")} stay in the registry (pulumi-docker deletes no ` +
            "image); remove them there if you no longer need them."
          : `Not deleted: the images ${images.join(", ")} stay in ${input.daemonDescription} (pulumi-docker ` +
            "deletes no image); remove them with " +
            (target.usesMinikube
              ? `\`${shellCommand(["minikube", "-p", target.minikubeProfile, "image", "rm", ...images])}\`.`
              : `\`${shellCommand(["docker", "image", "rm", ...images])}\`.`),
    );
  }
  if (reach.kind === "gone") {
    if (input.namespace) {
      lines.push(`The namespace ${input.namespace} and any database volume in it went with the cluster.`);
    }
  } else if (reach.kind === "reachable") {
    const ns = input.namespace ?? "<namespace>";
    lines.push(
      `Not deleted, on purpose: the namespace ${ns}, so the in-cluster database volume survives a later ` +
        "`npm run up`. " +
        (input.databaseClaim && input.namespace
          ? `To drop the data: ${shellCommand(["kubectl", "--context", target.kubeContext, "-n", input.namespace, "delete", "pvc", input.databaseClaim])}`
          : "Delete its database claim (PVC), when the stack has one, to drop the data."),
    );
  }
  return lines;
}

/**
 * Whether the stack's state holds nothing to destroy: never deployed, destroyed already, or a first `up` whose
 * program stopped before it registered anything (which leaves only the root `pulumi:pulumi:Stack`). `down` then
 * needs no cluster: no minikube, no Docker, no kubectl.
 */
export function holdsNothing(resources: readonly StateResource[]): boolean {
  return resources.every((r) => r.type === "pulumi:pulumi:Stack");
}

/**
 * `down` of a stack that holds nothing (see holdsNothing): says so, and clears a leftover root Stack resource,
 * whose delete reaches no provider, so that `pulumi stack rm` accepts the stack afterwards.
 */
export async function destroyNothing(
  stack: Pick<TeardownStack, "destroy">,
  stackName: string,
  output: TeardownInput["output"],
  resources: readonly StateResource[],
): Promise<string[]> {
  if (resources.length > 0) {
    await stack.destroy(output);
  }
  return [
    `Stack "${stackName}" has nothing deployed: there is nothing to destroy. ${stackRmHint(stackName)}`,
  ];
}

/** The part of an Automation API Stack that `down` uses; a fake of it drives the tests. */
export interface TeardownStack {
  outputs(): Promise<Record<string, { value?: unknown }>>;
  exportStack(): Promise<{ deployment?: unknown }>;
  destroy(options: {
    exclude?: string[];
    onOutput?: (out: string) => void;
    color?: "always" | "never";
  }): Promise<unknown>;
  readonly workspace: { envVars: Record<string, string> };
}

export interface TeardownInput {
  readonly stack: TeardownStack;
  /** As the user named it; `pulumi state delete --stack` gets the same. */
  readonly stackName: string;
  readonly target: StackTarget;
  readonly minikube?: MinikubeStatus;
  readonly kubeconfig?: Kubeconfig;
  readonly kubectl?: Kubectl;
  readonly daemon: BuildDaemon;
  readonly deleteUnreachableFlag: boolean;
  readonly run: CommandRunner;
  /** Throws, saying how to start it, when this daemon does not answer. */
  readonly requireDaemon: (daemon: BuildDaemon) => void;
  /** Runs the stack's Pulumi CLI with the workspace's environment. */
  readonly runCli: (args: readonly string[]) => CommandResult;
  readonly output: { onOutput: (out: string) => void; color: "always" | "never" };
  readonly log: (line: string) => void;
  readonly step: (line: string) => void;
}

/** The whole of `npm run down` after the session: returns the closing lines. */
export async function tearDown(input: TeardownInput): Promise<string[]> {
  const { stack, target, log, step } = input;
  // Read before the destroy, which empties the outputs and the state.
  const outputs = await stack.outputs();
  const text = (key: string): string | undefined => {
    const value = outputs[key]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const resources = stateResources(await stack.exportStack());

  step("The cluster");
  const reach: Reach =
    resources.length === 0
      ? { kind: "reachable" }
      : clusterReach({
          target,
          minikube: input.minikube,
          kubeconfig: input.kubeconfig,
          kubectl: input.kubectl,
          run: input.run,
        });
  const plan = planTeardown({
    reach,
    target,
    daemon: input.daemon,
    minikube: input.minikube,
    resources,
    deleteUnreachableFlag: input.deleteUnreachableFlag,
    stack: input.stackName,
  });
  if (reach.kind === "reachable") {
    log(
      resources.length === 0 ? "The stack has no resources." : `Kube context ${target.kubeContext} answers.`,
    );
  } else {
    log(
      `The cluster cannot be reached: ${reach.why}. Its objects are removed from the state without being ` +
        `deleted (${DELETE_UNREACHABLE_ENV}=true).`,
    );
    // The provider processes inherit the workspace's environment; this destroy is the only operation that sees it.
    stack.workspace.envVars[DELETE_UNREACHABLE_ENV] = "true";
  }
  if (plan.needsDaemon) {
    input.requireDaemon(plan.daemon);
  }

  if (plan.forget.length > 0) {
    step("pulumi destroy, all but the images of the deleted cluster");
    await stack.destroy({ ...input.output, exclude: plan.forget.map((r) => r.urn) });
    step("Removing those images from the state (their Docker daemon is gone)");
    const failed = forgetResources(plan.forget, input.stackName, input.runCli);
    if (failed.length > 0) {
      throw new UserError(
        "Could not remove these from the state:\n" +
          failed.map((f) => `  ${f.urn}: ${f.why}`).join("\n") +
          `\nRemove each with \`npm run pulumi -- state delete '<urn>' --stack ${input.stackName}\`, then run ` +
          "`npm run down` again.",
      );
    }
    plan.forget.forEach((r) => log(`removed from the state: ${r.urn}`));
  }
  step("pulumi destroy");
  await stack.destroy(input.output);

  return leftoverReport({
    stack: input.stackName,
    target,
    reach,
    plan,
    resources,
    namespace: text("namespace"),
    databaseClaim: text("databaseClaim"),
    daemonDescription: describeDaemon(plan.daemon),
  });
}
