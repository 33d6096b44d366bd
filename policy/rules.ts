// The Todo app's CrossGuard rules. This module only describes policies and pure helpers; policy/index.ts hands
// `policies` to a PolicyPack. Keeping the PolicyPack out of this file matters because its constructor starts the
// analyzer's gRPC server, which a unit test must never do.
import * as k8s from "@pulumi/kubernetes";
import type { Unwrap } from "@pulumi/pulumi";
import {
  validateResourceOfType,
  type EnforcementLevel,
  type Policies,
  type ReportViolation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";

export type PodSpec = Unwrap<k8s.types.input.core.v1.PodSpec>;
export type Container = Unwrap<k8s.types.input.core.v1.Container>;
export type EphemeralContainer = Unwrap<k8s.types.input.core.v1.EphemeralContainer>;
export type ObjectMeta = Unwrap<k8s.types.input.meta.v1.ObjectMeta>;
export type LabelSelector = Unwrap<k8s.types.input.meta.v1.LabelSelector>;
type SecurityContext = Unwrap<k8s.types.input.core.v1.SecurityContext>;
type PodSecurityContext = Unwrap<k8s.types.input.core.v1.PodSecurityContext>;

// ---------------------------------------------------------------------------------------------------------------
// Reading the engine's props
// ---------------------------------------------------------------------------------------------------------------

const UNKNOWN = Symbol("unknown during preview");

/**
 * Reads one property, turning "unknown during preview" into a marker. CrossGuard wraps props in a proxy that throws
 * when a value is unknown (an Output of a resource not created yet). The props are deserialized plain JSON, so the
 * proxy is the only thing that can throw here.
 */
function readKnown(holder: object, key: string | number): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key];
  } catch {
    return UNKNOWN;
  }
}

/**
 * Copies props into plain data in which every value unknown during preview is simply absent. The rules then treat an
 * unknown value exactly like a missing one: a violation only where the field must be present. This also means a rule
 * never aborts half-way through a resource because one unrelated field (typically the image) is unknown.
 */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = readKnown(value, i);
      items.push(item === UNKNOWN ? undefined : toPlain(item));
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = readKnown(value, key);
      if (item !== UNKNOWN && item !== undefined) {
        copy[key] = toPlain(item);
      }
    }
    return copy;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Only the object elements of an array; anything malformed is skipped rather than crashing the analyzer. */
function records<T>(value: readonly T[] | undefined | null): T[] {
  return Array.isArray(value) ? (value as unknown[]).filter(isRecord).map((item) => item as T) : [];
}

function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

function recordAt<T>(value: unknown, path: readonly string[]): T | undefined {
  const found = getPath(value, path);
  return isRecord(found) ? (found as T) : undefined;
}

/** Structural equality over plain JSON, used to tell two probes apart. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => deepEqual(item, b[index]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keysOf = (r: Record<string, unknown>) => Object.keys(r).filter((k) => r[k] !== undefined);
    const keys = keysOf(a);
    return keys.length === keysOf(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Workloads and their pod templates
// ---------------------------------------------------------------------------------------------------------------

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

export const PDB_TYPE = "kubernetes:policy/v1:PodDisruptionBudget";
export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

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

/** A parsed image reference. A registry port ("localhost:5000/app") is not a tag. */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
  return { tag: tag === "" ? undefined : tag, digest: digest === "" ? undefined : digest };
}

/** True when the image names an exact build: a digest, or a tag other than "latest". */
export function isPinnedImage(image: string): boolean {
  const { tag, digest } = parseImage(image);
  return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/** Label selector semantics of Kubernetes (matchLabels and matchExpressions are ANDed; an empty selector matches all). */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!isRecord(selector)) {
    return false;
  }
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) {
      return false;
    }
  }
  return records(selector.matchExpressions).every((expression) => expressionMatches(expression, labels));
}

function expressionMatches(
  expression: Unwrap<k8s.types.input.meta.v1.LabelSelectorRequirement>,
  labels: Record<string, string>,
): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
  const values = Array.isArray(expression.values) ? expression.values : [];
  switch (expression.operator) {
    case "In":
      return has && values.includes(labels[expression.key]);
    case "NotIn":
      return !has || !values.includes(labels[expression.key]);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

function stringLabels(labels: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (isRecord(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      if (typeof value === "string") {
        result[key] = value;
      }
    }
  }
  return result;
}

/** Secret-looking environment variable names: they must be fed from a Secret, never a literal. */
export function looksSecret(name: string): boolean {
  return /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|_KEY|DATABASE_URL|CREDENTIAL/i.test(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Policy builders
// ---------------------------------------------------------------------------------------------------------------

/** What a pod rule sees: the workload and a reporter that drops duplicate messages (inherited pod-level values). */
type PodCheck = (workload: Workload, report: (message: string) => void) => void;

/**
 * Runs `check`, reporting each distinct message once. A rule about containers cannot pass a workload whose pod spec
 * is absent, so that is reported instead of silently passing.
 */
function runCheck(
  check: PodCheck,
  workload: Workload,
  reportViolation: ReportViolation,
  requirePodSpec: boolean,
): void {
  const seen = new Set<string>();
  const report = (message: string) => {
    if (!seen.has(message)) {
      seen.add(message);
      reportViolation(message);
    }
  };
  if (requirePodSpec && !workload.podSpec) {
    report(`${workload.podSpecPath} is missing (or unknown during preview), so it cannot be checked`);
    return;
  }
  check(workload, report);
}

interface WorkloadPolicyOptions {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  /** Only these kinds (e.g. long-running ones); all workload kinds when omitted. */
  appliesTo?: (workload: Workload) => boolean;
  /** Rules about containers need the pod spec; a rule about labels does not. */
  requirePodSpec?: boolean;
  check: PodCheck;
}

function workloadPolicy(options: WorkloadPolicyOptions): ResourceValidationPolicy {
  return {
    name: options.name,
    description: options.description,
    enforcementLevel: options.enforcementLevel,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const workload = workloadOf({ type: args.type, props: toPlain(args.props) });
      if (!workload) {
        return args.notApplicable(
          "applies to Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods",
        );
      }
      if (options.appliesTo && !options.appliesTo(workload)) {
        return args.notApplicable(`does not apply to this ${workload.kind}`);
      }
      runCheck(options.check, workload, reportViolation, options.requirePodSpec ?? true);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Mandatory rules
// ---------------------------------------------------------------------------------------------------------------

/** Volume sources the "restricted" Pod Security Standard allows. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
const SECCOMP_TYPES = ["RuntimeDefault", "Localhost"];

function checkRunAsUserNotRoot(value: unknown, field: string, report: (message: string) => void): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== "number") {
    report(`${field} must be a numeric UID, got ${JSON.stringify(value)}`);
  } else if (value === 0) {
    report(`${field} must not be 0 (root)`);
  }
}

export const podSecurityRestricted = workloadPolicy({
  name: "pod-security-restricted",
  description:
    'Pods must meet the Kubernetes Pod Security Standard "restricted": non-root, no privilege escalation, all ' +
    "capabilities dropped, a seccomp profile, no host namespaces, ports or paths. This is what a namespace " +
    "labelled pod-security.kubernetes.io/enforce=restricted admits, and it limits what a compromised app can do.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    const spec = workload.podSpec;
    const p = workload.podSpecPath;
    const podSc: PodSecurityContext = isRecord(spec?.securityContext) ? spec.securityContext : {};

    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (spec?.[field] === true) {
        report(`${p}.${field} must not be true`);
      }
    }
    if (podSc.runAsNonRoot === false) {
      report(`${p}.securityContext.runAsNonRoot must not be false`);
    }
    checkRunAsUserNotRoot(podSc.runAsUser, `${p}.securityContext.runAsUser`, report);
    const podSeccomp = podSc.seccompProfile?.type;
    if (podSeccomp !== undefined && !SECCOMP_TYPES.includes(podSeccomp)) {
      report(
        `${p}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "${podSeccomp}"`,
      );
    }

    for (const [index, volume] of records(spec?.volumes).entries()) {
      const label = typeof volume.name === "string" ? `volume "${volume.name}"` : `volume #${index}`;
      for (const source of Object.keys(volume).filter((key) => key !== "name")) {
        if (source === "hostPath") {
          report(
            `${label}: ${p}.volumes[${index}].hostPath is not allowed (it exposes the node's filesystem)`,
          );
        } else if (!RESTRICTED_VOLUME_TYPES.includes(source)) {
          report(
            `${label}: ${p}.volumes[${index}].${source} is not an allowed volume type ` +
              `(allowed: ${RESTRICTED_VOLUME_TYPES.join(", ")})`,
          );
        }
      }
    }

    for (const { container, label } of containersOf(spec)) {
      const sc: SecurityContext = isRecord(container.securityContext) ? container.securityContext : {};
      const where = `(on the container or at ${p}.securityContext)`;
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
        report(`${label}: securityContext.runAsNonRoot must be true ${where}`);
      }
      checkRunAsUserNotRoot(sc.runAsUser, `${label}: securityContext.runAsUser`, report);
      if (sc.privileged === true) {
        report(`${label}: securityContext.privileged must not be true`);
      }
      if (sc.allowPrivilegeEscalation !== false) {
        report(`${label}: securityContext.allowPrivilegeEscalation must be false`);
      }
      const drop = Array.isArray(sc.capabilities?.drop) ? sc.capabilities.drop : [];
      if (!drop.includes("ALL")) {
        report(`${label}: securityContext.capabilities.drop must include "ALL"`);
      }
      const added = Array.isArray(sc.capabilities?.add) ? sc.capabilities.add : [];
      for (const capability of added.filter((c) => c !== "NET_BIND_SERVICE")) {
        report(
          `${label}: securityContext.capabilities.add may only contain "NET_BIND_SERVICE", not ${JSON.stringify(capability)}`,
        );
      }
      const seccomp = sc.seccompProfile?.type;
      if (seccomp !== undefined && !SECCOMP_TYPES.includes(seccomp)) {
        report(
          `${label}: securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "${seccomp}"`,
        );
      } else if (seccomp === undefined && podSeccomp === undefined) {
        report(`${label}: securityContext.seccompProfile.type must be RuntimeDefault or Localhost ${where}`);
      }
      for (const [index, port] of records("ports" in container ? container.ports : undefined).entries()) {
        if (port.hostPort !== undefined && port.hostPort !== 0) {
          report(`${label}: ports[${index}].hostPort must not be set (got ${JSON.stringify(port.hostPort)})`);
        }
      }
    }
  },
});

export const uidAbove10000 = workloadPolicy({
  name: "uid-above-10000",
  description:
    "runAsUser and runAsGroup must be numeric and above 10000 (at pod level or on every container). A numeric ID " +
    "lets Kubernetes verify runAsNonRoot, and IDs above 10000 never collide with a host account that owns files.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    const spec = workload.podSpec;
    const podSc: PodSecurityContext = isRecord(spec?.securityContext) ? spec.securityContext : {};
    for (const { container, label } of containersOf(spec)) {
      const sc: SecurityContext = isRecord(container.securityContext) ? container.securityContext : {};
      for (const field of ["runAsUser", "runAsGroup"] as const) {
        const own = sc[field];
        const value: unknown = own ?? podSc[field];
        // An inherited bad value is reported once, at the pod level where it is set.
        const path =
          own !== undefined
            ? `${label}: securityContext.${field}`
            : `${workload.podSpecPath}.securityContext.${field}`;
        if (value === undefined) {
          report(
            `${label}: securityContext.${field} must be set to a number above 10000 ` +
              `(on the container or at ${workload.podSpecPath}.securityContext)`,
          );
        } else if (typeof value !== "number") {
          report(`${path} must be a number above 10000, got ${JSON.stringify(value)}`);
        } else if (value <= 10000) {
          report(`${path} must be above 10000, got ${value}`);
        }
      }
    }
  },
});

export const readOnlyRootFilesystem = workloadPolicy({
  name: "read-only-root-filesystem",
  description:
    "Every container must set securityContext.readOnlyRootFilesystem: true, so an attacker cannot plant or alter " +
    "files in the image; writable paths are explicit emptyDir mounts.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      if (container.securityContext?.readOnlyRootFilesystem !== true) {
        report(`${label}: securityContext.readOnlyRootFilesystem must be true`);
      }
    }
  },
});

export const resourcesRequired = workloadPolicy({
  name: "resources-required",
  description:
    "Every container must request and limit cpu and memory, so the scheduler can place it and one runaway pod " +
    "cannot starve its neighbours.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    // Ephemeral containers cannot declare resources, so only app and init containers are checked.
    for (const { container, label, group } of containersOf(workload.podSpec)) {
      if (group === "ephemeralContainers") {
        continue;
      }
      for (const kind of ["requests", "limits"] as const) {
        const values: Record<string, unknown> = isRecord(container.resources?.[kind])
          ? container.resources[kind]
          : {};
        for (const resource of ["cpu", "memory"]) {
          const value = values[resource];
          if (value === undefined || value === null || value === "") {
            report(`${label}: resources.${kind}.${resource} is required`);
          }
        }
      }
    }
  },
});

export const probesRequired = workloadPolicy({
  name: "probes-required",
  description:
    "Every long-running container (not Jobs or CronJobs) needs a startupProbe, a readinessProbe and a livenessProbe, " +
    "and readiness must differ from liveness: otherwise a slow dependency restarts healthy containers instead of " +
    "just taking them out of the Service.",
  enforcementLevel: "mandatory",
  appliesTo: (workload) => workload.longRunning,
  check: (workload, report) => {
    for (const { container, label, group, sidecar } of containersOf(workload.podSpec)) {
      // Init containers finish before the app starts (and cannot have probes) unless they are native sidecars.
      if (group === "ephemeralContainers" || (group === "initContainers" && !sidecar)) {
        continue;
      }
      const probes = container as Container;
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        if (!isRecord(probes[probe])) {
          report(`${label}: ${probe} is required`);
        }
      }
      if (
        isRecord(probes.readinessProbe) &&
        isRecord(probes.livenessProbe) &&
        deepEqual(probes.readinessProbe, probes.livenessProbe)
      ) {
        report(
          `${label}: readinessProbe and livenessProbe must differ (use a different path or thresholds: readiness ` +
            "may depend on the database, liveness must not)",
        );
      }
    }
  },
});

export const noLatestImage = workloadPolicy({
  name: "no-latest-image",
  description:
    'Every image must name an explicit tag or digest, and the tag must not be "latest": a moving tag makes a ' +
    "rollout or a rollback run code nobody reviewed.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      // An image built in the same stack is unknown during preview; it is checked again on `pulumi up`.
      if (typeof container.image !== "string") {
        continue;
      }
      const { tag, digest } = parseImage(container.image);
      if (digest !== undefined) {
        continue;
      }
      if (tag === undefined) {
        report(`${label}: image "${container.image}" must have an explicit tag or digest`);
      } else if (tag === "latest") {
        report(`${label}: image "${container.image}" must not use the "latest" tag`);
      }
    }
  },
});

export const noLiteralSecretEnv = workloadPolicy({
  name: "no-literal-secret-env",
  description:
    "An environment variable whose name looks secret (SECRET, PASSWORD, TOKEN, API_KEY, _KEY, DATABASE_URL, " +
    "CREDENTIAL) must come from valueFrom.secretKeyRef, never a literal value: literals end up in the Deployment " +
    "object, `kubectl describe` and the Pulumi state in plain text.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      for (const [index, variable] of records(container.env).entries()) {
        if (typeof variable.name !== "string" || !looksSecret(variable.name)) {
          continue;
        }
        // The message names the variable but never echoes its value.
        const field = `env[${index}] "${variable.name}"`;
        if (variable.value !== undefined) {
          report(`${label}: ${field} must not set a literal value; use valueFrom.secretKeyRef`);
        } else if (!isRecord(variable.valueFrom?.secretKeyRef)) {
          report(`${label}: ${field} must come from valueFrom.secretKeyRef`);
        }
      }
    }
  },
});

export const noServiceAccountToken = workloadPolicy({
  name: "no-service-account-token",
  description:
    "Pod specs must set automountServiceAccountToken: false. The app never calls the Kubernetes API, so a mounted " +
    "token would only be a credential for an attacker.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    if (workload.podSpec?.automountServiceAccountToken !== false) {
      report(`${workload.podSpecPath}.automountServiceAccountToken must be false`);
    }
  },
});

/** True for 0, "0" and "0%", the IntOrString spellings of zero. */
function isZero(value: unknown): boolean {
  return value === 0 || value === "0" || value === "0%";
}

export const rollingUpdateZeroUnavailable: ResourceValidationPolicy = {
  name: "rolling-update-zero-unavailable",
  description:
    "Deployments must roll out with strategy RollingUpdate and maxUnavailable 0 (and a non-zero maxSurge), so a " +
    "release never takes a ready pod away before its replacement is ready.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (props, _args, reportViolation) => {
    const strategy = recordAt<Unwrap<k8s.types.input.apps.v1.DeploymentStrategy>>(toPlain(props), [
      "spec",
      "strategy",
    ]);
    if (strategy?.type !== undefined && strategy.type !== "RollingUpdate") {
      reportViolation(`spec.strategy.type must be RollingUpdate, got "${strategy.type}"`);
      return;
    }
    const rollingUpdate = isRecord(strategy?.rollingUpdate) ? strategy.rollingUpdate : {};
    if (rollingUpdate.maxUnavailable === undefined) {
      reportViolation(
        "spec.strategy.rollingUpdate.maxUnavailable must be set to 0 (it is unset or unknown; the default is 25%)",
      );
    } else if (!isZero(rollingUpdate.maxUnavailable)) {
      reportViolation(
        `spec.strategy.rollingUpdate.maxUnavailable must be 0, got ${JSON.stringify(rollingUpdate.maxUnavailable)}`,
      );
    } else if (isZero(rollingUpdate.maxSurge)) {
      reportViolation(
        "spec.strategy.rollingUpdate.maxSurge must be above 0 when maxUnavailable is 0, or the rollout cannot start",
      );
    }
  }),
};

export const RECOMMENDED_LABELS: readonly string[] = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];
const VERSION_LABEL = "app.kubernetes.io/version";

export const recommendedLabels = workloadPolicy({
  name: "recommended-labels",
  description:
    "Workloads and their pod templates carry the recommended app.kubernetes.io/ labels (name, instance, " +
    "component, part-of, managed-by), so tools and people can tell what runs; selectors must not include " +
    "app.kubernetes.io/version, because selectors are immutable and a version in one breaks every upgrade.",
  enforcementLevel: "mandatory",
  requirePodSpec: false,
  check: (workload, report) => {
    const labelSets: [string, ObjectMeta | undefined][] =
      workload.kind === "Pod"
        ? [["metadata.labels", workload.metadata]]
        : [
            ["metadata.labels", workload.metadata],
            [`${workload.templatePath}.metadata.labels`, workload.templateMetadata],
          ];
    for (const [path, metadata] of labelSets) {
      const labels = stringLabels(metadata?.labels);
      for (const label of RECOMMENDED_LABELS) {
        if (!labels[label]) {
          report(`${path}["${label}"] is required`);
        }
      }
    }
    const selector = workload.selector;
    if (isRecord(selector?.matchLabels) && VERSION_LABEL in selector.matchLabels) {
      report(
        `${workload.selectorPath}.matchLabels must not contain "${VERSION_LABEL}" (selectors are immutable)`,
      );
    }
    if (records(selector?.matchExpressions).some((expression) => expression.key === VERSION_LABEL)) {
      report(
        `${workload.selectorPath}.matchExpressions must not use "${VERSION_LABEL}" (selectors are immutable)`,
      );
    }
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Advisory rules
// ---------------------------------------------------------------------------------------------------------------

export const imagePullPolicyIfNotPresent = workloadPolicy({
  name: "image-pull-policy-if-not-present",
  description:
    "A container whose image is pinned (tag or digest) should use imagePullPolicy IfNotPresent (the Kubernetes " +
    "default for such images): the pinned image cannot change, Always only adds registry round-trips, and images " +
    "loaded straight into minikube cannot be pulled at all.",
  enforcementLevel: "advisory",
  check: (workload, report) => {
    for (const { container, label } of containersOf(workload.podSpec)) {
      const policy = container.imagePullPolicy;
      if (typeof container.image === "string" && isPinnedImage(container.image) && policy !== undefined) {
        if (policy !== "IfNotPresent") {
          report(`${label}: imagePullPolicy should be IfNotPresent for the pinned image, got "${policy}"`);
        }
      }
    }
  },
});

interface StackWorkload {
  workload: Workload;
  urn: string;
  displayName: string;
  namespace: string;
}

/** Workloads of a stack. A namespace left unset (or unknown during preview) is the provider's default: "". */
function stackWorkloads(args: StackValidationArgs): StackWorkload[] {
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

function namespaceOf(metadata: unknown): string {
  const namespace = getPath(metadata, ["namespace"]);
  return typeof namespace === "string" ? namespace : "";
}

const describeNamespace = (namespace: string) =>
  namespace === "" ? "the provider's default namespace" : `namespace "${namespace}"`;

export const podDisruptionBudget: StackValidationPolicy = {
  name: "pod-disruption-budget",
  description:
    "Every Deployment or StatefulSet with more than one replica should have a policy/v1 PodDisruptionBudget " +
    "selecting its pods, so a node drain or cluster upgrade cannot evict all replicas at once.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const budgets = args.resources
      .filter((resource) => resource.type === PDB_TYPE)
      .map((resource) => toPlain(resource.props))
      .map((props) => ({
        namespace: namespaceOf(getPath(props, ["metadata"])),
        selector: recordAt<LabelSelector>(props, ["spec", "selector"]),
      }));
    for (const { workload, urn, displayName, namespace } of stackWorkloads(args)) {
      if (workload.kind !== "Deployment" && workload.kind !== "StatefulSet") {
        continue;
      }
      // An unset (or unknown) replica count defaults to 1, which a budget could not protect anyway.
      const replicas = workload.replicas;
      if (typeof replicas !== "number" || replicas <= 1) {
        continue;
      }
      const podLabels = stringLabels(workload.templateMetadata?.labels);
      const covered = budgets.some(
        (budget) => budget.namespace === namespace && selectorMatches(budget.selector, podLabels),
      );
      if (!covered) {
        reportViolation(
          `${displayName} runs ${replicas} replicas but no policy/v1 PodDisruptionBudget in ` +
            `${describeNamespace(namespace)} selects its pod labels (${workload.templatePath}.metadata.labels)`,
          urn,
        );
      }
    }
  },
};

export const networkPolicyPresent: StackValidationPolicy = {
  name: "network-policy-present",
  description:
    "Every namespace that runs pods should have at least one networking.k8s.io/v1 NetworkPolicy: without one, " +
    "every pod accepts traffic from anywhere in the cluster.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const covered = new Set(
      args.resources
        .filter((resource) => resource.type === NETWORK_POLICY_TYPE)
        .map((resource) => namespaceOf(getPath(toPlain(resource.props), ["metadata"]))),
    );
    const uncovered = new Map<string, StackWorkload[]>();
    for (const entry of stackWorkloads(args)) {
      if (!covered.has(entry.namespace)) {
        uncovered.set(entry.namespace, [...(uncovered.get(entry.namespace) ?? []), entry]);
      }
    }
    for (const [namespace, workloads] of uncovered) {
      reportViolation(
        `${describeNamespace(namespace)} runs pods (${workloads.map((w) => w.displayName).join(", ")}) but has no ` +
          "networking.k8s.io/v1 NetworkPolicy",
      );
    }
  },
};

/** Every rule of the pack, in the order the PolicyPack lists them. */
export const policies: Policies = [
  podSecurityRestricted,
  uidAbove10000,
  readOnlyRootFilesystem,
  resourcesRequired,
  probesRequired,
  noLatestImage,
  noLiteralSecretEnv,
  noServiceAccountToken,
  rollingUpdateZeroUnavailable,
  recommendedLabels,
  podDisruptionBudget,
  networkPolicyPresent,
  imagePullPolicyIfNotPresent,
];
