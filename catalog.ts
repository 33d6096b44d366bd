/**
 * The app this program deploys, as facts every layer shares: the project's name, the two services (their
 * Kubernetes names, ports, container names, probe paths, writable paths and the secrets each reads) and the
 * in-cluster database. The program, the scripts' health checks and the tests all import these, so a port or
 * a name is written once.
 */

/** The Pulumi project (`name` in Pulumi.yaml), the config namespace of every setting and the part-of label. */
export const PROJECT_NAME = "todo-app";

/** `todo-app:<key>`, as a setting is named in stack files, `pulumi config` and every message. */
export function qualified(key: string): string {
  return `${PROJECT_NAME}:${key}`;
}

/** The environment variables that hold secrets, each read through a secretKeyRef, never a literal value. */
export const SECRET_ENV = ["DATABASE_URL", "BETTER_AUTH_SECRET", "COHERE_API_KEY"] as const;
export type SecretEnv = (typeof SECRET_ENV)[number];

/** The plain settings both services read from the ConfigMap. */
export const PLAIN_ENV = ["BACKEND_URL", "FRONTEND_URL", "LOG_LEVEL"] as const;
export type PlainEnv = (typeof PLAIN_ENV)[number];

/** Secrets a pod may start without (the app turns the feature off); any other missing key stops the pod. */
export const OPTIONAL_SECRET_ENV: readonly SecretEnv[] = ["COHERE_API_KEY"];

/** A path the app must write to under a read-only root filesystem, backed by a size-limited emptyDir. */
export interface WritablePath {
  /** Volume name (a DNS-1123 label). */
  readonly name: string;
  readonly mountPath: string;
  readonly sizeLimit: string;
}

export interface AppServiceSpec {
  /** `backend` or `frontend`: the component label, the container name and the Pulumi resource name. */
  readonly component: "backend" | "frontend";
  /** Kubernetes name of the Deployment and the Service: the in-cluster DNS name other services use. */
  readonly serviceName: string;
  /** The container's name in the pod (what `kubectl exec -c` and `kubectl logs -c` take). */
  readonly container: string;
  /** The port the app listens on inside the container, and the Service's port. */
  readonly port: number;
  /** Liveness and startup: "the process serves"; never depends on the database. */
  readonly livenessPath: string;
  /** Paths the app writes to under its read-only root filesystem. */
  readonly writablePaths: readonly WritablePath[];
  /** The secrets the reference app's service reads: the default of its `<component>Secrets` setting. */
  readonly secrets: readonly SecretEnv[];
}

const TMP: WritablePath = { name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" };

export const BACKEND: AppServiceSpec = {
  component: "backend",
  serviceName: "todo-backend",
  container: "backend",
  port: 7860,
  livenessPath: "/health",
  writablePaths: [TMP],
  secrets: SECRET_ENV,
};

export const FRONTEND: AppServiceSpec = {
  component: "frontend",
  serviceName: "todo-frontend",
  container: "frontend",
  port: 3000,
  livenessPath: "/api/health",
  writablePaths: [TMP, { name: "next-cache", mountPath: "/app/.next/cache", sizeLimit: "256Mi" }],
  // The reference frontend calls the backend server-side and reads no secret.
  secrets: [],
};

/** `http://todo-backend:7860`: how the frontend reaches the backend inside the namespace. */
export function clusterUrl(service: Pick<AppServiceSpec, "serviceName" | "port">): string {
  return `http://${service.serviceName}:${service.port}`;
}

/** Cohere's API, which a service holding COHERE_API_KEY calls: HTTPS on the internet. */
export const COHERE_API_PORT = 443;

/** The in-cluster PostgreSQL, when no external database is configured. */
export const DATABASE = {
  component: "database",
  serviceName: "todo-postgres",
  container: "postgres",
  port: 5432,
  database: "todo",
  /** The superuser the official image creates (POSTGRES_USER). */
  user: "todo",
  /** The role the app connects as. */
  appUser: "todo_app",
} as const;
