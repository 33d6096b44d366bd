// What the rules mean by a workload: any resource that runs pods, its pod template wherever the kind keeps it, and
// the containers in it. Resource rules reach workloads through workloadPolicy; stack rules through stackWorkloads.
import type * as k8s from "@pulumi/kubernetes";
import type { StackValidationArgs } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";

import { getPath, recordAt, records, toPlain, type LabelSelector } from "./props";

export type PodSpec = Unwrap<k8s.types.input.core.v1.PodSpec>;
export type Container = Unwrap<k8s.types.input.core.v1.Container>;
export type EphemeralContainer = Unwrap<k8s.types.input.core.v1.EphemeralContainer>;
export type ObjectMeta = Unwrap<k8s.types.input.meta.v1.ObjectMeta>;
export type SecurityContext = Unwrap<k8s.types.input.core.v1.SecurityContext>;
export type PodSecurityContext = Unwrap<k8s.types.input.core.v1.PodSecurityContext>;

interface WorkloadKind {
  kind: string;
  /** Where the pod template (metadata + spec) lives; empty for a bare Pod, which is its own template. */
  templatePath: readonly string[];
  /** Where the label selector lives, if the kind has one. */
  selectorPath?: readonly string[];
  /** Whether the pods are meant to keep running (and so need probes); a Pod decides by its restartPolicy. */
  longRunning: boolean;
}

export const WORKLOAD_KINDS: Readonly<Record<string, WorkloadKind>> = {
  "kubernetes:apps/v1:Deployment": {
    kind: "Deployment",
    templatePath: ["spec", "template"],
    selectorPath: ["spec", "selector"],
    longRunning: true,
  },
  "kubernetes:apps/v1:StatefulSet": {
    kind: "StatefulSet",
    templatePath: ["spec", "template"],
    selectorPath: ["spec", "selector"],
    longRunning: true,
  },
  "kubernetes:apps/v1:DaemonSet": {
    kind: "DaemonSet",
    templatePath: ["spec", "template"],
    selectorPath: ["spec", "selector"],
    longRunning: true,
  },
  "kubernetes:batch/v1:Job": {
    kind: "Job",
    templatePath: ["spec", "template"],
    selectorPath: ["spec", "selector"],
    longRunning: false,
  },
  "kubernetes:batch/v1:CronJob": {
    kind: "CronJob",
    templatePath: ["spec", "jobTemplate", "spec", "template"],
    selectorPath: ["spec", "jobTemplate", "spec", "selector"],
    longRunning: false,
  },
  "kubernetes:core/v1:Pod": { kind: "Pod", templatePath: [], longRunning: true },
};

/** A resource as the rules see it: its Pulumi type token and its (plain) props. */
export interface ResourceLike {
  type: string;
  props: unknown;
}

export interface Workload {
  kind: string;
  metadata?: ObjectMeta;
  templateMetadata?: ObjectMeta;
  podSpec?: PodSpec;
  selector?: LabelSelector;
  /** Dotted paths used in messages, e.g. "spec.template.spec" for a Deployment and "spec" for a Pod. */
  templatePath: string;
  podSpecPath: string;
  selectorPath?: string;
  longRunning: boolean;
  /** spec.replicas as written; unset means one. */
  replicas?: unknown;
}

const dotted = (path: readonly string[]) => path.join(".");

/** Describes a workload resource, or returns undefined for any other resource type. */
export function workloadOf(resource: ResourceLike): Workload | undefined {
  const shape = WORKLOAD_KINDS[resource.type];
  if (!shape) {
    return undefined;
  }
  const template =
    shape.templatePath.length === 0 ? resource.props : getPath(resource.props, shape.templatePath);
  const podSpec = recordAt<PodSpec>(template, ["spec"]);
  return {
    kind: shape.kind,
    metadata: recordAt<ObjectMeta>(resource.props, ["metadata"]),
    templateMetadata: recordAt<ObjectMeta>(template, ["metadata"]),
    podSpec,
    selector: shape.selectorPath ? recordAt<LabelSelector>(resource.props, shape.selectorPath) : undefined,
    templatePath: dotted(shape.templatePath),
    podSpecPath: dotted([...shape.templatePath, "spec"]),
    selectorPath: shape.selectorPath ? dotted(shape.selectorPath) : undefined,
    replicas: getPath(resource.props, ["spec", "replicas"]),
    longRunning:
      shape.kind === "Pod"
        ? podSpec?.restartPolicy === undefined || podSpec.restartPolicy === "Always"
        : shape.longRunning,
  };
}

/** The pod spec of a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod; undefined for anything else. */
export function podSpecOf(resource: ResourceLike): PodSpec | undefined {
  return workloadOf(resource)?.podSpec;
}

export interface ContainerRef {
  container: Container | EphemeralContainer;
  /** How messages name it: `container "backend"`, `init container "migrate"`, `ephemeral container #0`. */
  label: string;
  group: "containers" | "initContainers" | "ephemeralContainers";
  /** An init container with restartPolicy Always is a native sidecar: it keeps running beside the app. */
  sidecar: boolean;
}

/** Every container of a pod spec: app containers, init containers and ephemeral containers, in that order. */
export function containersOf(spec: PodSpec | undefined): ContainerRef[] {
  const describe = (word: string, container: { name?: string }, index: number) =>
    typeof container.name === "string" && container.name !== ""
      ? `${word} "${container.name}"`
      : `${word} #${index}`;
  return [
    ...records(spec?.containers).map((container, i) => ({
      container,
      label: describe("container", container, i),
      group: "containers" as const,
      sidecar: false,
    })),
    ...records(spec?.initContainers).map((container, i) => ({
      container,
      label: describe("init container", container, i),
      group: "initContainers" as const,
      sidecar: container.restartPolicy === "Always",
    })),
    ...records(spec?.ephemeralContainers).map((container, i) => ({
      container,
      label: describe("ephemeral container", container, i),
      group: "ephemeralContainers" as const,
      sidecar: false,
    })),
  ];
}

/** The namespace in a resource's metadata. Unset (or unknown during preview) is the provider's default: "". */
export function namespaceOf(metadata: unknown): string {
  const namespace = getPath(metadata, ["namespace"]);
  return typeof namespace === "string" ? namespace : "";
}

/** How a message names a namespace, the provider's default one included. */
export const describeNamespace = (namespace: string) =>
  namespace === "" ? "the provider's default namespace" : `namespace "${namespace}"`;

export interface StackWorkload {
  workload: Workload;
  urn: string;
  /** How messages name it, e.g. `Deployment "backend"`. */
  displayName: string;
  namespace: string;
}

/** The workloads of a stack, for rules that look at several resources together. */
export function stackWorkloads(args: StackValidationArgs): StackWorkload[] {
  const result: StackWorkload[] = [];
  for (const resource of args.resources) {
    const workload = workloadOf({ type: resource.type, props: toPlain(resource.props) });
    if (workload) {
      const name = workload.metadata?.name;
      result.push({
        workload,
        urn: resource.urn,
        displayName: `${workload.kind} "${typeof name === "string" ? name : resource.name}"`,
        namespace: namespaceOf(workload.metadata),
      });
    }
  }
  return result;
}
