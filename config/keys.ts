/**
 * Every configuration key of the `todo-app` namespace, in one table: its type, default, range or accepted
 * values, whether it is a secret, and its description. The readers parse by it (config/reader.ts), the loader
 * rejects a key that is not here (so a typo such as `replica` fails loudly instead of being ignored), and a test
 * keeps Pulumi.yaml and the README's configuration reference in step with it.
 */
import { BACKEND, FRONTEND, SECRET_ENV } from "../catalog";
import { BUILD_TARGETS } from "../host/buildTarget";
import { MINIKUBE_CONTAINER_RUNTIMES } from "../host/minikube";

interface KeyCommon {
  /** Set with `pulumi config set --secret`; the program refuses a plaintext value. */
  readonly secret?: boolean;
  readonly description: string;
}

/** A string; `""` as the default means "unset": the program derives a value. */
export interface StringKey extends KeyCommon {
  readonly type: "string";
  readonly default: string;
  /** The only values accepted, when the setting is a choice. */
  readonly values?: readonly string[];
}

export interface IntegerKey extends KeyCommon {
  readonly type: "integer";
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** What the error message says is accepted. Default: "a whole number from <min> to <max>". */
  readonly accepted?: string;
}

export interface BooleanKey extends KeyCommon {
  readonly type: "boolean";
  readonly default: boolean;
}

/** A structured value (`pulumi config set --path`, or YAML in the stack file); its reader validates the shape. */
export interface ObjectKey extends KeyCommon {
  readonly type: "object";
  readonly default: Record<string, unknown>;
}

/** A list of strings (YAML in the stack file, or `pulumi config set --path 'key[0]' VALUE`). */
export interface ArrayKey extends KeyCommon {
  readonly type: "array";
  readonly default: readonly string[];
  /** The only items accepted. */
  readonly items: readonly string[];
}

export type ConfigKey = StringKey | IntegerKey | BooleanKey | ObjectKey | ArrayKey;

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto` and the build targets of host/buildTarget.ts. */
export const BUILD_TARGET_CHOICES = ["auto", ...BUILD_TARGETS] as const;

export const CONFIG_KEYS = {
  databaseUrl: {
    type: "string",
    default: "",
    secret: true,
    description:
      "PostgreSQL URL of an external database (postgresql://user:password@host:5432/db). " +
      "Default: unset, and a PostgreSQL runs in the cluster.",
  },
  cohereApiKey: {
    type: "string",
    default: "",
    secret: true,
    description: "Cohere API key. Optional: without it the app runs with AI features off.",
  },
  betterAuthSecret: {
    type: "string",
    default: "",
    secret: true,
    description:
      "Session signing secret (at least 32 characters). Optional: generated once per stack and kept stable.",
  },
  kubeContext: {
    type: "string",
    default: "minikube",
    description:
      "Kubeconfig context to deploy to. Always explicit: the ambient current-context is never used.",
  },
  kubeconfig: {
    type: "string",
    default: "",
    description: "Path to the kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config.",
  },
  namespace: {
    type: "string",
    default: "",
    description: "Namespace for every object. Default: todo-<stack>, so stacks on one cluster never collide.",
  },
  replicas: {
    type: "integer",
    default: 2,
    min: 1,
    max: 20,
    description: "Pods per service (backend and frontend), 1 to 20.",
  },
  rolloutTimeout: {
    type: "integer",
    default: 600,
    min: 30,
    max: 3600,
    description:
      "Seconds an update waits for a Deployment's new pods to be ready before it fails, 30 to 3600 (the " +
      "provider's own default is 600).",
  },
  logLevel: {
    type: "string",
    default: "info",
    values: LOG_LEVELS,
    description: "LOG_LEVEL of both services: debug, info, warning or error.",
  },
  frontendNodePort: {
    type: "integer",
    default: 30080,
    min: 0,
    max: 32767,
    accepted:
      "0 (Kubernetes picks a free port) or a whole number from 30000 to 32767 (the default NodePort range)",
    description:
      "NodePort of the frontend Service, 30000-32767; 0 lets Kubernetes pick one (for a second stack).",
  },
  frontendUrl: {
    type: "string",
    default: "",
    description:
      "Public URL of the frontend (FRONTEND_URL). Default: http://<node address>:<frontendNodePort>, or https://<ingressHost> with an Ingress and tlsIssuer.",
  },
  backendContext: {
    type: "string",
    default: "app/backend",
    description: "Docker build context of the backend, relative to the project directory.",
  },
  frontendContext: {
    type: "string",
    default: "app/frontend",
    description: "Docker build context of the frontend, relative to the project directory.",
  },
  backendDockerfile: {
    type: "string",
    default: "docker/backend/Dockerfile",
    description: "Dockerfile of the backend, relative to the project directory.",
  },
  frontendDockerfile: {
    type: "string",
    default: "docker/frontend/Dockerfile",
    description: "Dockerfile of the frontend, relative to the project directory.",
  },
  backendBaseImage: {
    type: "string",
    default: "",
    description: "Overrides the backend's Python base image (build arg PYTHON_IMAGE), e.g. for a mirror.",
  },
  frontendBaseImage: {
    type: "string",
    default: "",
    description: "Overrides the frontend's Node.js base image (build arg NODE_IMAGE), e.g. for a mirror.",
  },
  buildTarget: {
    type: "string",
    default: "auto",
    values: BUILD_TARGET_CHOICES,
    description:
      "Where images are built: auto (detected from kubeContext), minikube, docker (local daemon) or registry.",
  },
  minikubeContainerRuntime: {
    type: "string",
    default: "docker",
    values: MINIKUBE_CONTAINER_RUNTIMES,
    description:
      "Container runtime of a minikube profile that `npm run up` creates: docker (images are built in the node), containerd or cri-o (built by the local Docker daemon, then loaded). An existing profile keeps its own.",
  },
  minikubeProfile: {
    type: "string",
    default: "",
    description: "minikube profile whose Docker daemon builds the images. Default: the kubeContext name.",
  },
  dockerHost: {
    type: "string",
    default: "",
    description:
      "Docker daemon to build with (tcp://... or unix://...). Default: minikube's for buildTarget minikube, else the local one.",
  },
  dockerCertPath: {
    type: "string",
    default: "",
    description: "TLS certificate directory for dockerHost (ca.pem, cert.pem, key.pem).",
  },
  registryServer: {
    type: "string",
    default: "",
    description: "Registry and path prefix to push to, e.g. ghcr.io/acme. Required for buildTarget registry.",
  },
  registryUsername: {
    type: "string",
    default: "",
    description: "Registry user for pushing and pulling (buildTarget registry).",
  },
  registryPassword: {
    type: "string",
    default: "",
    secret: true,
    description: "Registry password or token (buildTarget registry).",
  },
  backendReadinessPath: {
    type: "string",
    default: "/health",
    description:
      "Backend readiness endpoint. Default: /health, like liveness; set a DB-aware path (the reference app's /ready) to take pods out of rotation while the database is down.",
  },
  backendBuildArgs: {
    type: "object",
    default: {},
    description:
      "Extra build args of the backend image: an object of plain strings (never a secret); values may use {frontendUrl} and {backendPublicUrl}.",
  },
  frontendBuildArgs: {
    type: "object",
    default: {},
    description:
      "Extra build args of the frontend image (NEXT_PUBLIC_* are inlined at next build); plain strings, values may use {frontendUrl} and {backendPublicUrl}.",
  },
  backendEnv: {
    type: "object",
    default: {},
    description:
      "Extra plain environment of the backend pods (no secrets, not the program's own names); values may use {frontendUrl} and {backendPublicUrl}.",
  },
  frontendEnv: {
    type: "object",
    default: {},
    description:
      "Extra plain environment of the frontend pods, e.g. BETTER_AUTH_URL: {frontendUrl}; no secrets, not the program's own names.",
  },
  backendSecrets: {
    type: "array",
    default: BACKEND.secrets,
    items: SECRET_ENV,
    description:
      "Which secrets the backend receives, of DATABASE_URL, BETTER_AUTH_SECRET, COHERE_API_KEY. Default: all three (what the reference backend reads).",
  },
  frontendSecrets: {
    type: "array",
    default: FRONTEND.secrets,
    items: SECRET_ENV,
    description:
      "Which secrets the frontend receives, of DATABASE_URL, BETTER_AUTH_SECRET, COHERE_API_KEY. Default: none (the reference frontend reads none; a Better Auth frontend needs DATABASE_URL and BETTER_AUTH_SECRET).",
  },
  exposeBackend: {
    type: "boolean",
    default: false,
    description:
      "Expose the backend outside the cluster (a NodePort, or backendIngressPath on the Ingress), for browser code that calls it. Default: false, only the frontend reaches it.",
  },
  backendNodePort: {
    type: "integer",
    default: 30081,
    min: 0,
    max: 32767,
    accepted:
      "0 (Kubernetes picks a free port) or a whole number from 30000 to 32767 (the default NodePort range)",
    description:
      "NodePort of the backend when exposeBackend is true, 30000-32767; 0 lets Kubernetes pick one.",
  },
  backendPublicUrl: {
    type: "string",
    default: "",
    description:
      "Public URL of the backend ({backendPublicUrl}). Default: http://<node address>:<backendNodePort> when exposeBackend is true, or the Ingress URL and backendIngressPath.",
  },
  ingressHost: {
    type: "string",
    default: "",
    description:
      "Host name of an Ingress for the app, e.g. todo.example.com (a cluster with an ingress controller). " +
      "The frontend Service is then ClusterIP, with no NodePort. Default: unset, no Ingress.",
  },
  ingressClass: {
    type: "string",
    default: "nginx",
    description:
      "IngressClass of the Ingress (with ingressHost). Default: nginx, the ingress-nginx controller's; " +
      "an empty value leaves it to the cluster's default class.",
  },
  tlsIssuer: {
    type: "string",
    default: "",
    description:
      "cert-manager ClusterIssuer that issues the Ingress's certificate (with ingressHost), e.g. letsencrypt-prod; " +
      "frontendUrl is then https://<ingressHost>. Default: unset, plain HTTP.",
  },
  backendIngressPath: {
    type: "string",
    default: "",
    description:
      "Path prefix at which the Ingress serves an exposed backend (exposeBackend with ingressHost), e.g. /backend, " +
      "never under the frontend's /api or /_next; forwarded unchanged, so the backend must serve under it. " +
      "Required in that case.",
  },
  ingressControllerNamespace: {
    type: "string",
    default: "ingress-nginx",
    description:
      "Namespace of the ingress controller's pods: with ingressHost, the only pods outside the namespace that " +
      "may reach the frontend (and an exposed backend).",
  },
  frontendAutoscaling: {
    type: "object",
    default: {},
    description:
      "HorizontalPodAutoscaler of the frontend: {minReplicas, maxReplicas, targetCPUUtilization} " +
      "(1-100, percent of the CPU request; default 80); the Deployment then leaves replicas to it. Default: off.",
  },
  backendAutoscaling: {
    type: "object",
    default: {},
    description:
      "HorizontalPodAutoscaler of the backend: {minReplicas, maxReplicas, targetCPUUtilization} " +
      "(1-100, percent of the CPU request; default 80); the Deployment then leaves replicas to it. Default: off.",
  },
  backendResources: {
    type: "object",
    default: {},
    description:
      "Backend container resources, merged over the defaults: {requests: {cpu, memory}, limits: {cpu, memory}}.",
  },
  frontendResources: {
    type: "object",
    default: {},
    description:
      "Frontend container resources, merged over the defaults: {requests: {cpu, memory}, limits: {cpu, memory}}.",
  },
  postgresImage: {
    type: "string",
    default: "postgres:16.6-bookworm",
    description:
      "Image of the in-cluster PostgreSQL (used when databaseUrl is unset); a pinned tag or digest.",
  },
  postgresStorageSize: {
    type: "string",
    default: "1Gi",
    description:
      "Size of the in-cluster PostgreSQL volume (a Kubernetes quantity of at least 64Mi, e.g. 1Gi).",
  },
  postgresStorageClass: {
    type: "string",
    default: "",
    description: "StorageClass of the in-cluster PostgreSQL volume. Default: the cluster's default class.",
  },
  postgresResources: {
    type: "object",
    default: {},
    description:
      "In-cluster PostgreSQL container resources, merged over the defaults: {requests: {cpu, memory}, limits: {cpu, memory}}.",
  },
  allowDatabaseReplacement: {
    type: "boolean",
    default: false,
    description:
      "Allow a change that gives the in-cluster PostgreSQL a new, empty volume (namespace, storage class or size). " +
      "The old claim is kept, not deleted.",
  },
} as const satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;

export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKeyName[];

/** The keys `pulumi config set --secret` must set. */
export const SECRET_KEY_NAMES = CONFIG_KEY_NAMES.filter(
  (key) => (CONFIG_KEYS[key] as ConfigKey).secret === true,
);
