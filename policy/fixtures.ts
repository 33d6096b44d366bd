// Test fixtures: one builder per resource kind, each returning a resource that passes every rule of the pack. A test
// takes the valid resource and changes one field through the builder's callback, so each test shows exactly the
// mutation a rule must catch. The workloads are modelled on the program's backend Deployment, but written out here
// because the pack must not import the program.
import type * as k8s from "@pulumi/kubernetes";
import type { Unwrap } from "@pulumi/pulumi";

import type { FakeResource } from "./testing";
import type { Container, PodSpec } from "./workload";

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
export const JOB = "kubernetes:batch/v1:Job";
export const CRON_JOB = "kubernetes:batch/v1:CronJob";
export const POD = "kubernetes:core/v1:Pod";
export const SERVICE = "kubernetes:core/v1:Service";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

export type Probe = Unwrap<k8s.types.input.core.v1.Probe>;
export type DeploymentProps = Unwrap<k8s.apps.v1.DeploymentArgs>;
export type StatefulSetProps = Unwrap<k8s.apps.v1.StatefulSetArgs>;
export type DaemonSetProps = Unwrap<k8s.apps.v1.DaemonSetArgs>;
export type JobProps = Unwrap<k8s.batch.v1.JobArgs>;
export type CronJobProps = Unwrap<k8s.batch.v1.CronJobArgs>;
export type PodProps = Unwrap<k8s.core.v1.PodArgs>;
export type ServiceProps = Unwrap<k8s.core.v1.ServiceArgs>;
export type IngressProps = Unwrap<k8s.networking.v1.IngressArgs>;
export type AutoscalerProps = Unwrap<k8s.autoscaling.v2.HorizontalPodAutoscalerArgs>;

/** What a builder's callback may change. `pod` and `container` are the objects inside `props`, not copies. */
export interface Fixture<P> {
  props: P;
  /** The pod spec inside `props`. */
  pod: PodSpec;
  /** The "backend" container inside `pod`. */
  container: Container;
}

export type Change<P> = (fixture: Fixture<P>) => void;

export function labelsOf(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `todo-${component}`,
    "app.kubernetes.io/instance": "todo-dev",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "todo-app",
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/version": "0.1.0",
  };
}

/** The stable subset of the labels, as the program's selectors use them. */
export function selectorOf(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `todo-${component}`,
    "app.kubernetes.io/instance": "todo-dev",
    "app.kubernetes.io/component": component,
  };
}

export function httpProbe(path: string, extra: Omit<Probe, "httpGet">): Probe {
  return { httpGet: { path, port: "http", scheme: "HTTP" }, ...extra };
}

function secretEnv(name: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: "todo-secrets", key } } };
}

/** The backend container as the program builds it: every rule of the pack is satisfied. */
export function backendContainer(): Container {
  return {
    name: "backend",
    image: "todo-backend:3f9c2a1b",
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: 7860, protocol: "TCP" }],
    env: [
      secretEnv("DATABASE_URL", "database-url"),
      secretEnv("COHERE_API_KEY", "cohere-api-key"),
      secretEnv("BETTER_AUTH_SECRET", "better-auth-secret"),
      { name: "LOG_LEVEL", value: "info" },
      { name: "FRONTEND_URL", value: "http://frontend:3000" },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    startupProbe: httpProbe("/health", { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 }),
    readinessProbe: httpProbe("/ready", { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }),
    livenessProbe: httpProbe("/health", { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

/** UID/GID 10001 at pod level, seccomp RuntimeDefault, no token, a writable emptyDir /tmp. */
export function backendPodSpec(): PodSpec {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [backendContainer()],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
  };
}

const backendMetadata = () => ({ name: "backend", namespace: "todo", labels: labelsOf("backend") });

/** Wraps a fresh backend pod spec in a resource of `type`, then applies the test's one change. */
function build<P>(type: string, wrap: (pod: PodSpec) => P, change?: Change<P>): FakeResource {
  const pod = backendPodSpec();
  const props = wrap(pod);
  change?.({ props, pod, container: pod.containers[0] });
  return { type, props: props as object };
}

/** Two replicas, a version-free selector, RollingUpdate with maxSurge 1 and maxUnavailable 0. */
export function deployment(change?: Change<DeploymentProps>): FakeResource {
  return build<DeploymentProps>(
    DEPLOYMENT,
    (pod) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: backendMetadata(),
      spec: {
        replicas: 2,
        selector: { matchLabels: selectorOf("backend") },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: labelsOf("backend") }, spec: pod },
      },
    }),
    change,
  );
}

export function statefulSet(change?: Change<StatefulSetProps>): FakeResource {
  return build<StatefulSetProps>(
    STATEFUL_SET,
    (pod) => ({
      metadata: backendMetadata(),
      spec: {
        replicas: 2,
        serviceName: "backend",
        selector: { matchLabels: selectorOf("backend") },
        template: { metadata: { labels: labelsOf("backend") }, spec: pod },
      },
    }),
    change,
  );
}

export function daemonSet(change?: Change<DaemonSetProps>): FakeResource {
  return build<DaemonSetProps>(
    DAEMON_SET,
    (pod) => ({
      metadata: backendMetadata(),
      spec: {
        selector: { matchLabels: selectorOf("backend") },
        template: { metadata: { labels: labelsOf("backend") }, spec: pod },
      },
    }),
    change,
  );
}

/** A run-to-completion pod: restartPolicy Never, no selector of its own. */
export function job(change?: Change<JobProps>): FakeResource {
  return build<JobProps>(
    JOB,
    (pod) => {
      pod.restartPolicy = "Never";
      return {
        metadata: backendMetadata(),
        spec: { template: { metadata: { labels: labelsOf("backend") }, spec: pod } },
      };
    },
    change,
  );
}

export function cronJob(change?: Change<CronJobProps>): FakeResource {
  return build<CronJobProps>(
    CRON_JOB,
    (pod) => {
      pod.restartPolicy = "Never";
      return {
        metadata: backendMetadata(),
        spec: {
          schedule: "0 3 * * *",
          jobTemplate: { spec: { template: { metadata: { labels: labelsOf("backend") }, spec: pod } } },
        },
      };
    },
    change,
  );
}

/** A bare Pod, its own template; with restartPolicy unset it counts as long-running. */
export function pod(change?: Change<PodProps>): FakeResource {
  return build<PodProps>(POD, (spec) => ({ metadata: backendMetadata(), spec }), change);
}

/** A builder whose callback only touches the pod spec, the same for every kind. */
export type WorkloadBuilder = (change?: Change<object>) => FakeResource;

/** Every workload builder by kind, for tests that must hold for all of them. */
export const WORKLOADS: Readonly<
  Record<"Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod", WorkloadBuilder>
> = {
  Deployment: deployment,
  StatefulSet: statefulSet,
  DaemonSet: daemonSet,
  Job: job,
  CronJob: cronJob,
  Pod: pod,
};

/** A resource that runs no pods. */
export function service(): FakeResource {
  return { type: SERVICE, props: { metadata: { name: "backend" }, spec: { ports: [] } } };
}

export function budget(namespace: string, selector: object): FakeResource {
  return {
    type: PDB,
    props: { metadata: { name: "backend", namespace }, spec: { maxUnavailable: 1, selector } },
  };
}

/** A default-deny ingress policy; an unset namespace is the provider's default. */
export function networkPolicy(namespace?: string): FakeResource {
  return {
    type: NETWORK_POLICY,
    props: {
      metadata: { name: "default-deny", namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
  };
}

/** A host the cloud fixtures serve, and the digest a pushed image is referenced by. */
export const HOST = "todo.example.com";
export const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** The frontend Service as the program builds it beside an Ingress: ClusterIP, so no port opens on the nodes. */
export function frontendService(change?: (props: ServiceProps) => void): FakeResource {
  const props: ServiceProps = {
    metadata: { name: "frontend", namespace: "todo", labels: labelsOf("frontend") },
    spec: {
      type: "ClusterIP",
      selector: selectorOf("frontend"),
      ports: [{ name: "http", port: 3000, targetPort: "http", protocol: "TCP" }],
    },
  };
  change?.(props);
  return { type: SERVICE, props };
}

/** The cloud Ingress: a class, a cert-manager ClusterIssuer, and a TLS entry with a secret for its one host. */
export function ingress(change?: (props: IngressProps) => void): FakeResource {
  const props: IngressProps = {
    metadata: {
      name: "frontend",
      namespace: "todo",
      labels: labelsOf("frontend"),
      annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
    },
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: [HOST], secretName: "frontend-tls" }],
      rules: [
        {
          host: HOST,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "frontend", port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    },
  };
  change?.(props);
  return { type: INGRESS, props };
}

/** An autoscaler of the fixture Deployment "backend" (which then must leave spec.replicas unset). */
export function autoscaler(change?: (props: AutoscalerProps) => void): FakeResource {
  const props: AutoscalerProps = {
    metadata: { name: "backend", namespace: "todo", labels: labelsOf("backend") },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "backend" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    },
  };
  change?.(props);
  return { type: HPA, props };
}
