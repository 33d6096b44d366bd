/**
 * The stacks the program's tests run, in one place: a default stack (no configuration: in-cluster PostgreSQL),
 * one with an external database, one on a remote cluster with a registry, and one with every option set. The
 * values are what a user would put in `Pulumi.<stack>.yaml`: strings, as the CLI hands them to the program.
 */

/** A valid database URL for stacks that need one. */
export const DATABASE_URL = "postgresql://todo:s3cr3t-db-pass@db.example.com:5432/todo";

export type StackConfig = Readonly<Record<string, string>>;

/** `npm run up` on a fresh clone: nothing set. */
export const DEFAULT_STACK: StackConfig = {};

export const EXTERNAL_DATABASE_STACK: StackConfig = { databaseUrl: DATABASE_URL };

/** A remote cluster: images are pushed to a registry and pulled with a pull Secret. */
export const REGISTRY_STACK: StackConfig = {
  databaseUrl: DATABASE_URL,
  kubeContext: "gke_acme_prod",
  registryServer: "ghcr.io/acme",
  registryUsername: "bot",
  registryPassword: "t0ken",
};

/** Every setting that changes what is registered, on a remote cluster with the in-cluster database. */
export const EVERY_OPTION_STACK: StackConfig = {
  cohereApiKey: "co-key",
  postgresStorageSize: "5Gi",
  postgresStorageClass: "fast-ssd",
  postgresResources: JSON.stringify({ limits: { memory: "1Gi" } }),
  betterAuthSecret: "s".repeat(40),
  kubeContext: "gke_acme_prod",
  namespace: "todo-prod",
  replicas: "5",
  logLevel: "warning",
  frontendNodePort: "0",
  frontendUrl: "https://todo.example.com",
  registryServer: "ghcr.io/acme",
  registryUsername: "bot",
  registryPassword: "ghp_x",
  backendResources: JSON.stringify({
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
  }),
  frontendResources: JSON.stringify({ limits: { memory: "1Gi" } }),
};

/** The stacks every whole-program check (schema, policy pack) runs on. */
export const STACKS: Readonly<Record<string, StackConfig>> = {
  "a default stack (in-cluster PostgreSQL)": DEFAULT_STACK,
  "a stack with an external database": EXTERNAL_DATABASE_STACK,
  "a stack on a remote cluster with a registry": REGISTRY_STACK,
  "a stack with every option set": EVERY_OPTION_STACK,
};
