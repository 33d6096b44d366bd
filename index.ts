/**
 * Composition root: read and validate the configuration, create the providers, the namespace, the app's
 * environment and its two services, and export what a user needs to reach them.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import {
  type AppServiceSpec,
  BACKEND,
  COHERE_API_PORT,
  DATABASE,
  FRONTEND,
  type SecretEnv,
  clusterUrl,
} from "./catalog";
import { AppEnvironment } from "./components/appEnvironment";
import { AppIngress } from "./components/appIngress";
import { AppService } from "./components/appService";
import { NamespacePolicies } from "./components/namespacePolicies";
import { PostgresDatabase } from "./components/postgres";
import { RegistryCredentials } from "./components/registryCredentials";
import { loadSettings, pulumiConfigSource } from "./config";
import { gatedNamespace, volumeIdentityOf } from "./guards/databaseVolume";
import { clusterIdentityOf } from "./host/clusterIdentity";
import { localMachine } from "./host/machine";
import { shellCommand } from "./host/shellCommand";
import { PART_OF, selectorLabels } from "./k8s/labels";

// Everything is validated before the first resource is registered: a bad value fails the preview whole.
const machine = localMachine();
const settings = loadSettings(pulumiConfigSource(), machine, pulumi.getStack());
const clusterId = clusterIdentityOf(machine.env);
for (const warning of settings.warnings) {
  void pulumi.log.warn(warning);
}

const db = settings.database;
const volumeIdentity = volumeIdentityOf(settings.namespace, db);

// One explicit provider on the configured context: nothing falls back to kubectl's current-context, so a
// shell pointed at another cluster can never receive this stack.
const provider = new k8s.Provider("k8s", {
  context: settings.kubeContext,
  kubeconfig: settings.kubeconfig,
  // The cluster's kube-system UID, from `npm run up`: when it changes (a cluster deleted and started again
  // under the same context), the provider is replaced and so is every object it manages. Absent (a plain
  // preview, the PR workflow), nothing is replaced: pulumi-kubernetes replaces only on an updated identifier
  // (provider/pkg/provider/provider.go, DiffConfig), never when one is added or removed.
  clusterIdentifier: clusterId,
  // Before anything is touched, a change that would start the database on a new, empty volume is refused.
  namespace: gatedNamespace(settings.namespace, db),
});

// disableDockerDaemonCheck reaches only pulumi-docker's bridged half: the native provider's Configure pings the
// daemon anyway (pulumi-docker provider/provider.go; hybrid.go calls it first; pulumi-docker#1106), so a
// preview, an update and a destroy all need it running. npm run up/preview/down check it before the engine
// starts (scripts/lib/daemon.ts); only up builds.
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
  // Named, so deleted (here: retained) before it is replaced: see components/options.ts.
  { provider, retainOnDelete: true, deleteBeforeReplace: true },
);
const ns = appNamespace.metadata.apply((m) => m.name ?? settings.namespace);

// Generated once per stack and kept in state, so sessions survive every later update.
const readsSecret = (key: SecretEnv) =>
  settings.backend.secrets.includes(key) || settings.frontend.secrets.includes(key);
const betterAuthSecret =
  settings.secrets.betterAuthSecret ??
  (readsSecret("BETTER_AUTH_SECRET")
    ? new random.RandomPassword("better-auth-secret", { length: 48, special: false }).result
    : undefined);

// Every pod isolated in both directions, DNS for all; each path below is then allowed by name.
new NamespacePolicies("network", {
  namespace: ns,
  labels: { component: "network", instance: settings.namespace },
  provider,
});

const podsOf = (service: AppServiceSpec) =>
  selectorLabels({ component: service.component, instance: settings.namespace });
const databasePods = selectorLabels({ component: DATABASE.component, instance: settings.namespace });
const services = [
  { spec: BACKEND, settings: settings.backend },
  { spec: FRONTEND, settings: settings.frontend },
];
const database =
  db.mode === "in-cluster" && volumeIdentity
    ? new PostgresDatabase("database", {
        namespace: ns,
        instance: settings.namespace,
        provider,
        image: db.image,
        resources: db.resources,
        volume: volumeIdentity,
        // The services given DATABASE_URL, and only they, may connect.
        clientSelectors: services
          .filter((s) => s.settings.secrets.includes("DATABASE_URL"))
          .map((s) => podsOf(s.spec)),
      })
    : undefined;
// Exactly one of the two exists: config validation made databaseUrl and the in-cluster database exclusive.
const databaseUrl = settings.secrets.databaseUrl ?? database!.url;

const environment = new AppEnvironment("app", {
  namespace: ns,
  labels: { component: "config", instance: settings.namespace },
  provider,
  secrets: {
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: betterAuthSecret,
    COHERE_API_KEY: settings.secrets.cohereApiKey,
  },
  readers: Object.fromEntries(services.map((s) => [s.spec.component, s.settings.secrets])),
  settings: {
    backendUrl: clusterUrl(BACKEND),
    frontendUrl: settings.frontendUrl,
    logLevel: settings.logLevel,
  },
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
  rolloutTimeout: settings.rolloutTimeout,
  envFrom: environment.configEnvFrom,
  imagePullSecrets: pullSecret ? [pullSecret.secretName] : undefined,
};
/**
 * Where a service's pods may connect: the in-cluster database or the external one's port when it reads
 * DATABASE_URL, Cohere's API (443) when it reads a key that is set, and for the frontend the backend.
 */
const egressOf = (service: (typeof services)[number]) => {
  const reads = (key: SecretEnv) => service.settings.secrets.includes(key);
  const pods: { labels: Record<string, string>; port: number }[] =
    service.spec === FRONTEND ? [{ labels: podsOf(BACKEND), port: BACKEND.port }] : [];
  const internetPorts: number[] = [];
  if (reads("DATABASE_URL")) {
    if (db.mode === "in-cluster") pods.push({ labels: databasePods, port: DATABASE.port });
    else internetPorts.push(db.port);
  }
  if (reads("COHERE_API_KEY") && settings.secrets.cohereApiKey !== undefined)
    internetPorts.push(COHERE_API_PORT);
  return { pods, internetPorts };
};
/** A service's env: its plain settings as literal values (never secrets: config refused those), then its secrets. */
const envOf = (service: AppServiceSpec, plain: Readonly<Record<string, string>>) => [
  ...Object.entries(plain).map(([name, value]) => ({ name, value })),
  ...environment.secretEnv[service.component],
];

// Behind an Ingress, outside traffic arrives from the controller's pods, so only their namespace is admitted;
// without one, a NodePort's traffic may come from any address.
const ingress = settings.ingress;
const controller = ingress ? [ingress.controllerNamespace] : [];

const backend = new AppService(BACKEND.component, {
  ...common,
  service: BACKEND,
  image: settings.backend.image,
  env: envOf(BACKEND, settings.backend.env),
  readinessPath: settings.backend.readinessPath,
  resources: settings.backend.resources,
  autoscaling: settings.backend.autoscaling,
  // Only the frontend talks to the backend (server side); an exposed backend also takes outside traffic:
  // through the Ingress's controller, or from anywhere on its NodePort.
  ingressFrom: {
    pods: [podsOf(FRONTEND)],
    namespaces: ingress?.backendPath !== undefined ? controller : [],
    anywhere: settings.backend.expose !== undefined,
  },
  egressTo: egressOf(services[0]),
  expose: settings.backend.expose
    ? { type: "NodePort", nodePort: settings.backend.expose.nodePort }
    : undefined,
});

const frontend = new AppService(FRONTEND.component, {
  ...common,
  service: FRONTEND,
  image: settings.frontend.image,
  // The container runtime sets HOSTNAME to the pod's name, and Next.js's standalone server listens on
  // $HOSTNAME: on the pod IP only, so `kubectl port-forward` (which connects on localhost) would get no answer.
  env: envOf(FRONTEND, { HOSTNAME: "0.0.0.0", ...settings.frontend.env }),
  readinessPath: FRONTEND.livenessPath,
  resources: settings.frontend.resources,
  autoscaling: settings.frontend.autoscaling,
  // The browser reaches it through the Ingress's controller, or through its NodePort from anywhere.
  ingressFrom: { pods: [], namespaces: controller, anywhere: ingress === undefined },
  egressTo: egressOf(services[1]),
  expose: ingress ? { type: "ClusterIP" } : { type: "NodePort", nodePort: settings.frontendNodePort },
});

const appIngress = ingress
  ? new AppIngress("app", {
      namespace: ns,
      labels: { component: "ingress", instance: settings.namespace },
      provider,
      ingress,
      frontend: { serviceName: frontend.serviceName, portName: "http" },
      backend:
        ingress.backendPath !== undefined
          ? { serviceName: backend.serviceName, portName: "http" }
          : undefined,
    })
  : undefined;

export const namespace = ns;
/** The cluster this stack was last deployed to (its kube-system UID), for `npm run up` to notice a new one. */
export const clusterIdentity = clusterId;
export const kubeContext = settings.kubeContext;
export const buildTarget = settings.build.target;
/**
 * The URL to open in a browser: the configured public URL, else the Ingress's (https://<ingressHost> with
 * TLS), else the node address and the NodePort Kubernetes actually allocated.
 */
export const frontendUrl = frontend.nodePort.apply((port) =>
  !settings.frontendUrlConfigured && port ? `http://${settings.nodeHost}:${port}` : settings.frontendUrl,
);
/** Prints a reachable URL where the node address is not routable from this machine (minikube on macOS). */
export const frontendUrlCommand =
  settings.build.target === "minikube"
    ? shellCommand([
        "minikube",
        "-p",
        settings.minikubeProfile,
        "service",
        FRONTEND.serviceName,
        "-n",
        settings.namespace,
        "--url",
      ])
    : shellCommand([
        "kubectl",
        "--context",
        settings.kubeContext,
        "-n",
        settings.namespace,
        "port-forward",
        `svc/${FRONTEND.serviceName}`,
        `${FRONTEND.port}:${FRONTEND.port}`,
      ]);
/**
 * The backend's address outside the cluster (exposeBackend): the configured URL, else its path on the Ingress,
 * else the node address and the NodePort Kubernetes actually allocated.
 */
export const backendPublicUrl = settings.backend.expose
  ? backend.nodePort.apply(
      (port) => settings.backendPublicUrl ?? (port ? `http://${settings.nodeHost}:${port}` : undefined),
    )
  : settings.backendPublicUrl;
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
/**
 * What each image is built from (context, Dockerfile, build args: plain values, never secrets), for `npm run dev`
 * to watch exactly the files each content tag hashes and to hash them as this program does.
 */
export const imageSources = Object.fromEntries(
  services.map(({ spec, settings: service }) => [
    spec.component,
    {
      context: service.image.context,
      dockerfile: service.image.dockerfile,
      buildArgs: { ...service.image.buildArgs },
      // The content tag this update gives the image: on a registry stack the pods run a digest, which has none.
      tag: (spec === BACKEND ? backend : frontend).imageTag,
    },
  ]),
);
/** With an Ingress: the address its controller published, where ingressHost's DNS record must point. */
export const ingressAddress = appIngress?.address;
