/**
 * The program's edge: reads the `todo-app:*` stack configuration and the few facts of the machine it needs,
 * validates everything once, and hands components plain typed settings. Nothing is registered until this has
 * succeeded, so bad input never half-deploys a stack.
 *
 * Where a new setting goes: its row in config/keys.ts (and Pulumi.yaml, the README: a test keeps them in
 * step), then the reader of its concern (cluster, services, database, secrets, build).
 */
import type { Machine } from "../host/machine";
import { kindClusterOf } from "../host/buildTarget";
import { ingressUrl } from "../k8s/ingress";
import { quantityValue } from "../k8s/resources";
import { readAutoscaling } from "./autoscaling";
import { readBuild } from "./build";
import { readCluster } from "./cluster";
import { readDatabase } from "./database";
import { readIngress } from "./ingress";
import { probeMachine } from "./probe";
import { ConfigReader } from "./reader";
import { databasePortOf, readSecrets } from "./secrets";
import { readServices, resolveServices } from "./services";
import { cloudWarnings, databaseUrlWarnings } from "./warnings";
import type { ConfigSource } from "./source";
import type { Settings } from "./types";

export { CONFIG_KEYS, CONFIG_KEY_NAMES, SECRET_KEY_NAMES, LOG_LEVELS, type ConfigKeyName } from "./keys";
export { CONFIG_NAMESPACE, ConfigProblems, ConfigValidationError } from "./problems";
export { type ConfigSource, pulumiConfigSource } from "./source";
export type * from "./types";
export type { Machine } from "../host/machine";

/**
 * Validates the whole configuration. Throws a ConfigValidationError listing every problem, each naming
 * the key, the bad value and what is accepted; then, only for a valid configuration, asks the machine
 * where to build (which may run `minikube docker-env`).
 */
export function loadSettings(source: ConfigSource, machine: Machine, stack: string): Settings {
  const { config, cluster, services, secrets, database, build, ingress, autoscaling } = readSettings(
    source,
    machine,
    stack,
  );
  config.problems.throwIfAny();

  const facts = probeMachine(cluster, build, machine, config.problems);
  // Behind an Ingress the app's address is its host (https with a certificate), unless frontendUrl says
  // otherwise (TLS terminated in front of the cluster, say).
  const frontendUrl = ingress && cluster.frontendUrl === "" ? ingressUrl(ingress) : facts.frontendUrl;
  const resolved = resolveServices(
    services,
    {
      nodeHost: facts.nodeHost,
      frontendUrl,
      frontendUrlKnown: cluster.frontendUrl !== "" || ingress !== undefined || cluster.frontendNodePort !== 0,
      backendIngressUrl:
        ingress?.backendPath !== undefined ? `${ingressUrl(ingress)}${ingress.backendPath}` : undefined,
    },
    config.problems,
  );
  config.problems.throwIfAny();
  return {
    ...cluster,
    stack,
    warnings: [
      ...databaseUrlWarnings(config),
      ...cloudWarnings({ target: facts.build.target, database, ingress, frontendUrl }),
    ],
    minikubeProfile: facts.minikubeProfile,
    nodeHost: facts.nodeHost,
    frontendUrl,
    frontendUrlConfigured: cluster.frontendUrl !== "",
    build: facts.build,
    database,
    backend: { ...resolved.backend, autoscaling: autoscaling.backend },
    frontend: { ...resolved.frontend, autoscaling: autoscaling.frontend },
    ingress,
    backendPublicUrl: resolved.backendPublicUrl,
    secrets,
  };
}

/**
 * Every check that needs nothing but the settings and the project's files: what `npm run up`, `preview` and
 * `dev` run before they touch minikube or Docker (scripts/lib/settings.ts), so a typo costs seconds. Throws the
 * same ConfigValidationError as the program; never runs a command.
 */
export function checkSettings(source: ConfigSource, machine: Machine, stack: string): void {
  readSettings(source, machine, stack).config.problems.throwIfAny();
}

function readSettings(source: ConfigSource, machine: Machine, stack: string) {
  const config = new ConfigReader(source);
  config.checkKeys();
  const cluster = readCluster(config, stack);
  const services = readServices(config, machine, cluster.frontendNodePort);
  const secrets = readSecrets(config);
  const database = readDatabase(
    config,
    secrets.databaseUrl !== undefined ? databasePortOf(config) : undefined,
  );
  const build = readBuild(config);
  const ingress = readIngress(config, services.backend.exposure.expose);
  const autoscaling = {
    backend: readAutoscaling(config, "backendAutoscaling"),
    frontend: readAutoscaling(config, "frontendAutoscaling"),
  };
  if (autoscaling.backend && autoscaling.frontend && config.get("replicas") !== undefined) {
    config.problems.add(
      "replicas",
      config.string("replicas"),
      "no value when both backendAutoscaling and frontendAutoscaling are set: their HPAs own the count " +
        "(remove it with `npm run pulumi -- config rm replicas`)",
    );
  }
  crossChecks(config, { cluster, services, build, ingress, autoscaling });
  return { config, cluster, services, secrets, database, build, ingress, autoscaling };
}

/**
 * Combinations that pass each reader but could only fail after the deploy: each is refused here, naming the
 * setting to change.
 */
function crossChecks(
  config: ConfigReader,
  s: {
    cluster: ReturnType<typeof readCluster>;
    services: ReturnType<typeof readServices>;
    build: ReturnType<typeof readBuild>;
    ingress: ReturnType<typeof readIngress>;
    autoscaling: Record<"backend" | "frontend", ReturnType<typeof readAutoscaling>>;
  },
): void {
  const problems = config.problems;
  for (const service of ["backend", "frontend"] as const) {
    // The HPA divides CPU usage by the request: with none (0) it reports `missing request for cpu` and never
    // scales (Kubernetes HPA docs, "Support for resource metrics"; k8s.io/kubernetes pkg/controller/podautoscaler
    // replica_calculator.go, GetResourceReplicas).
    const request = s.services[service].resources.requests.cpu;
    if (s.autoscaling[service] !== undefined && quantityValue(request) === 0) {
      problems.add(
        `${service}Resources.requests.cpu`,
        request,
        `a CPU request above 0 when ${service}Autoscaling is set: its HPA scales on CPU utilization, a share ` +
          "of the request, and cannot compute one without it",
      );
    }
  }
  // A kind cluster runs images from its nodes' own stores, not from minikube's daemon: the pods could never
  // start (host/buildTarget.ts detects kind-* contexts as target docker, which loads them with `kind load`).
  if (s.build.choice === "minikube" && kindClusterOf(s.cluster.kubeContext) !== undefined) {
    problems.add(
      "buildTarget",
      "minikube",
      `auto or docker for kube context "${s.cluster.kubeContext}", a kind cluster: its nodes run images ` +
        "loaded into them (`kind load`), never minikube's",
    );
  }
  // A certificate for the host makes the app https://; a frontendUrl of http:// would send browsers, auth
  // callbacks and CORS to an address the Ingress redirects away from.
  if (s.ingress?.tlsIssuer !== undefined && /^http:\/\//i.test(s.cluster.frontendUrl)) {
    problems.add(
      "frontendUrl",
      s.cluster.frontendUrl,
      "an https:// URL (or unset) with tlsIssuer set: the Ingress serves the app over TLS",
    );
  }
}
