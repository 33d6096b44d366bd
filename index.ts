/**
 * Composition root: read and validate the configuration, create the providers, the namespace, the app's
 * environment and its two services, and export what a user needs to reach them.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { AppEnvironment } from "./components/appEnvironment";
import { AppService } from "./components/appService";
import { PostgresDatabase, checkDatabaseVolume } from "./components/postgres";
import { RegistryCredentials } from "./components/registryCredentials";
import { loadSettings, pulumiConfigSource } from "./config";
import { VolumeIdentity } from "./lib/database";
import { localMachine } from "./lib/machine";
import { PART_OF, selectorLabels } from "./lib/labels";

// Everything is validated before the first resource is registered: a bad value fails the preview whole.
const settings = loadSettings(pulumiConfigSource(), localMachine(), pulumi.getStack());

const BACKEND = { serviceName: "todo-backend", port: 7860 } as const;
const FRONTEND = { serviceName: "todo-frontend", port: 3000 } as const;

const db = settings.database;
const volumeIdentity: VolumeIdentity | undefined =
  db.mode === "in-cluster"
    ? { namespace: settings.namespace, storageClass: db.storageClass, size: db.storageSize }
    : undefined;

// Before anything is touched, a change that would start the database on a new, empty volume is refused.
// The provider depends on the check, so when it fails no Kubernetes object is created, changed or deleted.
const volumeCheck: pulumi.Output<string> =
  db.mode === "in-cluster" && volumeIdentity
    ? checkDatabaseVolume(volumeIdentity, db.allowReplacement).apply(() => settings.namespace)
    : pulumi.output(settings.namespace);

// One explicit provider on the configured context: nothing falls back to kubectl's current-context, so a
// shell pointed at another cluster can never receive this stack.
const provider = new k8s.Provider("k8s", {
  context: settings.kubeContext,
  kubeconfig: settings.kubeconfig,
  namespace: volumeCheck,
});

// The daemon check is off so that a preview never needs a running Docker daemon (images are not built during
// preview); `pulumi up` reaches the daemon when it builds.
const dockerProvider = new docker.Provider("docker", {
  host: settings.build.docker?.host,
  certPath: settings.build.docker?.certPath,
  disableDockerDaemonCheck: true,
  registryAuth: settings.build.registry
    ? [
        {
          address: settings.build.registry.host,
          username: settings.build.registry.username,
          password: settings.build.registry.password,
        },
      ]
    : undefined,
});

// The namespace is applied as a patch (server-side apply creates it when missing) and retained on delete:
// `pulumi destroy` removes every object of the app but leaves the namespace, so the in-cluster database's
// claim survives an accidental destroy, and the next `pulumi up` applies to the existing namespace instead of
// failing with AlreadyExists. See the README ("Deleting the data on purpose").
const appNamespace = new k8s.core.v1.NamespacePatch(
  "namespace",
  {
    metadata: {
      name: settings.namespace,
      labels: {
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        // The API server itself rejects any pod here that does not meet the restricted profile.
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  },
  { provider, retainOnDelete: true },
);
const ns = appNamespace.metadata.apply((m) => m.name ?? settings.namespace);

// Generated once per stack and kept in state, so sessions survive every later update.
const betterAuthSecret =
  settings.secrets.betterAuthSecret ??
  new random.RandomPassword("better-auth-secret", { length: 48, special: false }).result;

const backendPods = { component: "backend", instance: settings.namespace };
const database =
  db.mode === "in-cluster" && volumeIdentity
    ? new PostgresDatabase("database", {
        namespace: ns,
        instance: settings.namespace,
        provider,
        image: db.image,
        resources: db.resources,
        volume: volumeIdentity,
        clientSelector: selectorLabels(backendPods),
      })
    : undefined;
// Exactly one of the two exists: config validation made databaseUrl and the in-cluster database exclusive.
const databaseUrl = settings.secrets.databaseUrl ?? database!.url;

const backendUrl = `http://${BACKEND.serviceName}:${BACKEND.port}`;
const environment = new AppEnvironment("app", {
  namespace: ns,
  labels: { component: "config", instance: settings.namespace },
  provider,
  secrets: {
    databaseUrl,
    betterAuthSecret,
    cohereApiKey: settings.secrets.cohereApiKey,
  },
  settings: { backendUrl, frontendUrl: settings.frontendUrl, logLevel: settings.logLevel },
});

// A remote cluster pulls from the registry the images were pushed to, with the same credentials.
const registry = settings.build.registry;
const pullSecret = registry
  ? new RegistryCredentials("registry", {
      namespace: ns,
      provider,
      host: registry.host,
      username: registry.username,
      password: registry.password,
    })
  : undefined;

const common = {
  namespace: ns,
  instance: settings.namespace,
  build: settings.build,
  dockerProvider,
  provider,
  replicas: settings.replicas,
  env: environment.secretEnv,
  envFrom: environment.configEnvFrom,
  imagePullSecrets: pullSecret ? [pullSecret.secretName] : undefined,
};

const backend = new AppService("backend", {
  ...common,
  ...BACKEND,
  component: "backend",
  image: settings.backend.image,
  probes: { liveness: "/health", readiness: settings.backend.readinessPath },
  resources: settings.backend.resources,
  writablePaths: [{ name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" }],
  // Only the frontend talks to the backend (server side); nothing else in the cluster may.
  ingressFrom: selectorLabels({ component: "frontend", instance: settings.namespace }),
});

const frontend = new AppService("frontend", {
  ...common,
  ...FRONTEND,
  component: "frontend",
  image: settings.frontend.image,
  // The container runtime sets HOSTNAME to the pod's name, and Next.js's standalone server listens on
  // $HOSTNAME: on the pod IP only, so `kubectl port-forward` (which connects on localhost) would get no answer.
  env: [...environment.secretEnv, { name: "HOSTNAME", value: "0.0.0.0" }],
  probes: { liveness: "/api/health", readiness: "/api/health" },
  resources: settings.frontend.resources,
  writablePaths: [
    { name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" },
    { name: "next-cache", mountPath: "/app/.next/cache", sizeLimit: "256Mi" },
  ],
  expose: { type: "NodePort", nodePort: settings.frontendNodePort },
});

export const namespace = ns;
export const kubeContext = settings.kubeContext;
export const buildTarget = settings.build.target;
/**
 * The URL to open in a browser: the configured public URL, else the node address and the NodePort
 * Kubernetes actually allocated.
 */
export const frontendUrl = frontend.nodePort.apply((port) =>
  !settings.frontendUrlConfigured && port ? `http://${settings.nodeHost}:${port}` : settings.frontendUrl,
);
/** Prints a reachable URL where the node address is not routable from this machine (minikube on macOS). */
export const frontendUrlCommand =
  settings.build.target === "minikube"
    ? `minikube -p ${settings.minikubeProfile} service ${FRONTEND.serviceName} -n ${settings.namespace} --url`
    : `kubectl --context ${settings.kubeContext} -n ${settings.namespace} port-forward svc/${FRONTEND.serviceName} ${FRONTEND.port}:${FRONTEND.port}`;
/** In-cluster URL of the backend, as the frontend reaches it. */
export const backendUrlInCluster = backend.clusterUrl;
export const backendImage = backend.imageRef;
/** Where the data lives: `external`, or the in-cluster PostgreSQL. */
export const databaseMode = db.mode;
/** The volume identity the next update compares against (in-cluster database only). */
export const databaseVolume = volumeIdentity;
/** The retained claim holding the in-cluster database (for backups, or deleting it on purpose). */
export const databaseClaim = database?.claimName;
export const frontendImage = frontend.imageRef;
