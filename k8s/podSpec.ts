/**
 * Pure builders of the workload specs: pod security, probes, volumes, rollout strategy, disruption budget.
 * They take typed input and return Kubernetes spec objects without creating anything, so every field is
 * tested directly and the components stay thin.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { WritablePath } from "../catalog";
import { LabelInput, selectorLabels, standardLabels } from "./labels";
import type { Resources } from "./resources";

type Input<T> = pulumi.Input<T>;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type EnvFromSource = k8s.types.input.core.v1.EnvFromSource;

/**
 * The numeric user and group every app container runs as. It matches the `USER 10001:10001` of the
 * Dockerfiles; above 10000 so it never collides with a user on the node (a recommendation of the
 * Kubernetes and Docker security benchmarks), and numeric so `runAsNonRoot` can be verified by the kubelet.
 */
export const APP_UID = 10001;

/** Pod Security Standards "restricted", plus a fixed numeric identity and fsGroup for writable volumes. */
export function podSecurityContext(uid: number = APP_UID): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(uid: number = APP_UID): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface ProbePaths {
  /** Liveness and startup: "the process serves". Must not depend on the database. */
  readonly liveness: string;
  /** Readiness: "send me traffic". May check dependencies, so a slow database only takes pods out of rotation. */
  readonly readiness: string;
}

/**
 * Three probes with different jobs. The startup probe tolerates a slow first start (up to two minutes)
 * without delaying readiness for a fast one, and holds off liveness until it passes. Readiness reacts
 * quickly (two failures) and only removes the pod from the Service; liveness is slower to act (three
 * failures, ten seconds apart) and restarts the container only when the process itself stops answering.
 */
export function probes(paths: ProbePaths, port: string | number = "http") {
  const get = (path: string) => ({ path, port, scheme: "HTTP" });
  return {
    startupProbe: { httpGet: get(paths.liveness), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
    readinessProbe: {
      httpGet: get(paths.readiness),
      periodSeconds: 5,
      timeoutSeconds: 3,
      successThreshold: 1,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: get(paths.liveness),
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
  } satisfies Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe">;
}

export interface WorkloadInput {
  /** Container name, e.g. `backend`. */
  readonly name: string;
  readonly image: Input<string>;
  readonly port: number;
  /**
   * Pods to run; undefined leaves the field out of the Deployment, for a HorizontalPodAutoscaler to own. Under
   * server-side apply (pulumi-kubernetes' default) the applied object is the inputs alone, so a field they leave
   * out is never claimed by Pulumi's field manager and an update never resets what the HPA set; and Diff
   * compares the live object pruned to the inputs' shape, so the HPA's count shows no drift
   * (pulumi/pulumi-kubernetes provider/pkg/await/await.go ssaUpdate; provider/pkg/provider/provider.go Diff,
   * pruneLiveState).
   */
  readonly replicas?: number;
  readonly labels: LabelInput;
  readonly probes: ProbePaths;
  readonly resources: Resources;
  readonly env?: Input<EnvVar>[];
  readonly envFrom?: Input<EnvFromSource>[];
  readonly writablePaths?: readonly WritablePath[];
  readonly imagePullSecrets?: Input<string>[];
  /** Pod template annotations (e.g. a checksum of non-secret config). */
  readonly podAnnotations?: Record<string, Input<string>>;
}

/** The Deployment spec of one app service. */
export function deploymentSpec(input: WorkloadInput): k8s.types.input.apps.v1.DeploymentSpec {
  const selector = selectorLabels(input.labels);
  const writable = input.writablePaths ?? [];
  return {
    ...(input.replicas !== undefined ? { replicas: input.replicas } : {}),
    revisionHistoryLimit: 5,
    selector: { matchLabels: selector },
    // maxUnavailable 0: a new pod must be Ready before an old one goes, so a rollout never drops capacity,
    // and a rollout whose pods never become ready stops without taking the service down.
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: standardLabels(input.labels), annotations: input.podAnnotations },
      spec: {
        automountServiceAccountToken: false,
        // Service links would inject TODO_BACKEND_PORT and the like into every container: noise the app never reads.
        enableServiceLinks: false,
        securityContext: podSecurityContext(),
        terminationGracePeriodSeconds: 30,
        imagePullSecrets: input.imagePullSecrets?.map((name) => ({ name })),
        affinity: softAntiAffinity(selector),
        topologySpreadConstraints: zoneSpread(selector),
        containers: [
          {
            name: input.name,
            image: input.image,
            // Tags are content hashes (see images/contextHash.ts): a changed image always has a new tag, so the
            // node's copy is safe to reuse and nothing needs to be pulled from a registry minikube cannot reach.
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "http", containerPort: input.port, protocol: "TCP" }],
            env: input.env,
            envFrom: input.envFrom,
            resources: {
              requests: { ...input.resources.requests },
              limits: { ...input.resources.limits },
            },
            securityContext: containerSecurityContext(),
            ...probes(input.probes),
            volumeMounts: writable.map((w) => ({ name: w.name, mountPath: w.mountPath })),
          },
        ],
        volumes: writable.map((w) => ({ name: w.name, emptyDir: { sizeLimit: w.sizeLimit } })),
      },
    },
  };
}

/**
 * Prefer spreading replicas over nodes, but never require it: single-node minikube must still schedule
 * every replica.
 */
export function softAntiAffinity(selector: Record<string, string>): k8s.types.input.core.v1.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: selector },
          },
        },
      ],
    },
  };
}

/**
 * Spread a service's pods evenly over the cluster's zones, softly: `ScheduleAnyway` only ranks nodes, it never
 * filters one out (the scheduler's PodTopologySpread Filter considers `DoNotSchedule` constraints alone:
 * kubernetes/kubernetes pkg/scheduler/framework/plugins/podtopologyspread/filtering.go, calPreFilterState), so a
 * single-zone cluster and minikube's node, which has no zone label, still schedule every replica.
 */
export function zoneSpread(
  selector: Record<string, string>,
): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  return [
    {
      maxSkew: 1,
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: selector },
    },
  ];
}

/**
 * At most one pod of a service may be evicted at a time by a voluntary disruption (a node drain).
 * `maxUnavailable: 1` rather than `minAvailable: 1`: with a single replica the latter would block every
 * drain forever. It holds whoever sets the count: with a HorizontalPodAutoscaler at its minimum (even 1), a
 * drain still proceeds one pod at a time, and a budget counted from the Deployment's replicas (which the HPA
 * then owns) would be wrong after every scale.
 */
export function disruptionBudgetSpec(labels: LabelInput): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { maxUnavailable: 1, selector: { matchLabels: selectorLabels(labels) } };
}
