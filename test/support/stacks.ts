/**
 * The stacks the program's tests run, in one place: a default stack (no configuration: in-cluster PostgreSQL),
 * one with an external database, one on a remote cluster with a registry, and one with every option set. The
 * values are what a user would put in `Pulumi.<stack>.yaml` (text, numbers, booleans, maps and lists); the
 * program receives them as the CLI hands them over, Pulumi.yaml's defaults merged in (./cliConfig.ts).
 */

import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

import { qualified } from "../../catalog";
import type { StackValues } from "./cliConfig";

/** A repository of the team's shape: the program in phase4/infra, services in phase2, Dockerfiles in phase4/docker. */
export const OWN_APP_REPO = path.resolve(__dirname, "..", "fixtures", "own-app");

/** A valid database URL for stacks that need one. */
export const DATABASE_URL = "postgresql://todo:s3cr3t-db-pass@db.example.com:5432/todo";

export type StackConfig = StackValues;

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
  postgresResources: { limits: { memory: "1Gi" } },
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
  backendResources: {
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
  },
  frontendResources: { limits: { memory: "1Gi" } },
};

/**
 * The team's own app, as they would configure it: their Dockerfiles built from the repository root, a Better
 * Auth frontend that reads the database, browser code that calls an exposed backend.
 */
export const OWN_APP_STACK: StackConfig = {
  backendContext: OWN_APP_REPO,
  backendDockerfile: path.join(OWN_APP_REPO, "phase4/docker/backend/Dockerfile"),
  frontendContext: OWN_APP_REPO,
  frontendDockerfile: path.join(OWN_APP_REPO, "phase4/docker/frontend/Dockerfile"),
  frontendSecrets: ["DATABASE_URL", "BETTER_AUTH_SECRET"],
  exposeBackend: "true",
  frontendBuildArgs: { NEXT_PUBLIC_API_URL: "{backendPublicUrl}" },
  frontendEnv: { BETTER_AUTH_URL: "{frontendUrl}" },
  backendEnv: { CORS_ORIGINS: "{frontendUrl}" },
};

/** A stack file's `todo-app:*` settings, without the namespace, as YAML holds them. */
export function stackFileConfig(file: string): StackValues {
  const stack = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, StackValues[string]> };
  const prefix = qualified("");
  return Object.fromEntries(
    Object.entries(stack.config ?? {})
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

export const CLOUD_EXAMPLE_FILE = path.resolve(__dirname, "..", "..", "Pulumi.cloud.example.yaml");

/**
 * The documented cloud stack, read from Pulumi.cloud.example.yaml, with the one secret its comments say it
 * needs (registryPassword): registry images by digest, an Ingress with cert-manager TLS, autoscaling, the
 * in-cluster database on a retaining StorageClass.
 */
export const CLOUD_STACK: StackConfig = {
  ...stackFileConfig(CLOUD_EXAMPLE_FILE),
  registryPassword: "ghp_cloud-token",
};

/** The cloud stack with a managed database, and browser code calling the backend through the Ingress. */
export const CLOUD_EXPOSED_BACKEND_STACK: StackConfig = {
  ...CLOUD_STACK,
  databaseUrl: `${DATABASE_URL}?sslmode=require`,
  exposeBackend: "true",
  backendIngressPath: "/backend",
  frontendBuildArgs: { NEXT_PUBLIC_API_URL: "{backendPublicUrl}" },
};

/** The team's own app, as they would move it to the cloud: their repository and Dockerfiles on the cloud stack. */
export const OWN_APP_CLOUD_STACK: StackConfig = {
  ...CLOUD_STACK,
  ...OWN_APP_STACK,
  databaseUrl: `${DATABASE_URL}?sslmode=require`,
  backendIngressPath: "/backend",
};

/** The stacks every whole-program check (schema, policy pack) runs on. */
export const STACKS: Readonly<Record<string, StackConfig>> = {
  "a default stack (in-cluster PostgreSQL)": DEFAULT_STACK,
  "a stack with an external database": EXTERNAL_DATABASE_STACK,
  "a stack on a remote cluster with a registry": REGISTRY_STACK,
  "a stack with every option set": EVERY_OPTION_STACK,
  "the team's own app (own Dockerfiles, secrets for the frontend, exposed backend)": OWN_APP_STACK,
  "the cloud stack of Pulumi.cloud.example.yaml (registry, Ingress with TLS, autoscaling)": CLOUD_STACK,
  "a cloud stack with a managed database and the backend exposed through the Ingress":
    CLOUD_EXPOSED_BACKEND_STACK,
  "the team's own app on the cloud stack (their Dockerfiles, secrets for the frontend, backend on the Ingress)":
    OWN_APP_CLOUD_STACK,
};
