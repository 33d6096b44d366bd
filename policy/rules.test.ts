import type * as k8s from "@pulumi/kubernetes";
import type { Unwrap } from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

import {
  isPinnedImage,
  looksSecret,
  networkPolicyPresent,
  noLatestImage,
  noLiteralSecretEnv,
  noServiceAccountToken,
  parseImage,
  podDisruptionBudget,
  podSecurityRestricted,
  podSpecOf,
  policies,
  probesRequired,
  readOnlyRootFilesystem,
  recommendedLabels,
  resourcesRequired,
  rollingUpdateZeroUnavailable,
  uidAbove10000,
  imagePullPolicyIfNotPresent,
  type Container,
  type PodSpec,
} from "./rules";
import { runResourcePolicy, runStackPolicy, UNKNOWN_STRING, urnOf, type FakeResource } from "./testing";

type DeploymentProps = Unwrap<k8s.apps.v1.DeploymentArgs>;
type Probe = Unwrap<k8s.types.input.core.v1.Probe>;

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
const JOB = "kubernetes:batch/v1:Job";
const CRON_JOB = "kubernetes:batch/v1:CronJob";
const POD = "kubernetes:core/v1:Pod";
const SERVICE = "kubernetes:core/v1:Service";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

// ---------------------------------------------------------------------------------------------------------------
// Fixtures, modelled on the program's backend Deployment (lib/podSpec.ts)
// ---------------------------------------------------------------------------------------------------------------

function labelsOf(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `todo-${component}`,
    "app.kubernetes.io/instance": "todo-dev",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "todo-app",
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/version": "0.1.0",
  };
}

function selectorOf(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `todo-${component}`,
    "app.kubernetes.io/instance": "todo-dev",
    "app.kubernetes.io/component": component,
  };
}

function httpProbe(path: string, extra: Omit<Probe, "httpGet">): Probe {
  return { httpGet: { path, port: "http", scheme: "HTTP" }, ...extra };
}

function secretEnv(name: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: "todo-secrets", key } } };
}

/** The backend container as the program builds it: every rule of the pack is satisfied. */
function backendContainer(): Container {
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
function backendPodSpec(): PodSpec {
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

interface Fixture {
  props: DeploymentProps;
  /** The pod spec inside `props` (the same object, so changing it changes the Deployment). */
  pod: PodSpec;
  /** The "backend" container inside `pod`. */
  container: Container;
}

function backendDeployment(): Fixture {
  const pod = backendPodSpec();
  const props: DeploymentProps = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "backend", namespace: "todo", labels: labelsOf("backend") },
    spec: {
      replicas: 2,
      selector: { matchLabels: selectorOf("backend") },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: labelsOf("backend") }, spec: pod },
    },
  };
  return { props, pod, container: pod.containers[0] };
}

function deploymentWith(change: (fixture: Fixture) => void): FakeResource {
  const fixture = backendDeployment();
  change(fixture);
  return { type: DEPLOYMENT, props: fixture.props };
}

const compliant = (): FakeResource => deploymentWith(() => undefined);

/** The same pod spec wrapped in each other workload kind, with fixture labels and selectors. */
function workloadOfKind(type: string, pod: PodSpec = backendPodSpec()): FakeResource {
  const metadata = { name: "backend", namespace: "todo", labels: labelsOf("backend") };
  const template = { metadata: { labels: labelsOf("backend") }, spec: pod };
  switch (type) {
    case STATEFUL_SET:
      return {
        type,
        props: {
          metadata,
          spec: {
            replicas: 2,
            serviceName: "backend",
            selector: { matchLabels: selectorOf("backend") },
            template,
          },
        },
      };
    case DAEMON_SET:
      return {
        type,
        props: { metadata, spec: { selector: { matchLabels: selectorOf("backend") }, template } },
      };
    case JOB:
      return {
        type,
        props: { metadata, spec: { template: { ...template, spec: { ...pod, restartPolicy: "Never" } } } },
      };
    case CRON_JOB:
      return {
        type,
        props: {
          metadata,
          spec: {
            schedule: "0 3 * * *",
            jobTemplate: { spec: { template: { ...template, spec: { ...pod, restartPolicy: "Never" } } } },
          },
        },
      };
    case POD:
      return { type, props: { metadata, spec: pod } };
    default:
      throw new Error(`no fixture for ${type}`);
  }
}

async function violations(policy: (typeof policies)[number], resource: FakeResource): Promise<string[]> {
  const outcome = await runResourcePolicy(policy, resource);
  expect(outcome.notApplicable).toBeUndefined();
  return outcome.violations;
}

// ---------------------------------------------------------------------------------------------------------------
// The pack as a whole
// ---------------------------------------------------------------------------------------------------------------

describe("the policy pack", () => {
  it("lists every rule once, mandatory ones first, with the agreed enforcement levels", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["pod-security-restricted", "mandatory"],
      ["uid-above-10000", "mandatory"],
      ["read-only-root-filesystem", "mandatory"],
      ["resources-required", "mandatory"],
      ["probes-required", "mandatory"],
      ["no-latest-image", "mandatory"],
      ["no-literal-secret-env", "mandatory"],
      ["no-service-account-token", "mandatory"],
      ["rolling-update-zero-unavailable", "mandatory"],
      ["recommended-labels", "mandatory"],
      ["pod-disruption-budget", "advisory"],
      ["network-policy-present", "advisory"],
      ["image-pull-policy-if-not-present", "advisory"],
    ]);
  });

  it("gives every rule a kebab-case name and a description of what it enforces and why", () => {
    for (const policy of policies) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.description.length).toBeGreaterThan(60);
    }
  });

  it("accepts the program's backend Deployment under every resource rule", async () => {
    for (const policy of policies.filter((p) => "validateResource" in p)) {
      expect(await violations(policy, compliant()), policy.name).toEqual([]);
    }
  });

  it("still checks a Deployment whose image is unknown during preview, without a false violation", async () => {
    const previewed = deploymentWith(({ container }) => {
      container.image = UNKNOWN_STRING;
    });
    for (const policy of policies.filter((p) => "validateResource" in p)) {
      expect(await violations(policy, previewed), policy.name).toEqual([]);
    }
    const insecure = deploymentWith(({ container }) => {
      container.image = UNKNOWN_STRING;
      container.securityContext!.readOnlyRootFilesystem = false;
    });
    expect(await violations(readOnlyRootFilesystem, insecure)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });

  it("treats a required security field that is unknown during preview as missing", async () => {
    const resource = deploymentWith(({ pod }) => {
      (pod as Record<string, unknown>).automountServiceAccountToken = UNKNOWN_STRING;
    });
    expect(await violations(noServiceAccountToken, resource)).toEqual([
      "spec.template.spec.automountServiceAccountToken must be false",
    ]);
  });

  it("does not apply pod rules to resources that run no pods", async () => {
    const service: FakeResource = {
      type: SERVICE,
      props: { metadata: { name: "backend" }, spec: { ports: [] } },
    };
    for (const policy of policies.filter((p) => "validateResource" in p)) {
      const outcome = await runResourcePolicy(policy, service);
      expect(outcome.violations, policy.name).toEqual([]);
      expect(outcome.notApplicable, policy.name).toBeDefined();
    }
  });

  it("reports a workload whose pod spec is missing instead of crashing", async () => {
    const resource: FakeResource = { type: DEPLOYMENT, props: { metadata: { name: "backend" }, spec: {} } };
    expect(await violations(readOnlyRootFilesystem, resource)).toEqual([
      "spec.template.spec is missing (or unknown during preview), so it cannot be checked",
    ]);
    expect(await violations(rollingUpdateZeroUnavailable, { type: DEPLOYMENT, props: {} })).toHaveLength(1);
  });
});

describe("podSpecOf", () => {
  it.each([
    ["Deployment", DEPLOYMENT],
    ["StatefulSet", STATEFUL_SET],
    ["DaemonSet", DAEMON_SET],
    ["Job", JOB],
    ["CronJob", CRON_JOB],
    ["Pod", POD],
  ])("finds the pod spec of a %s", (_kind, type) => {
    const resource = type === DEPLOYMENT ? compliant() : workloadOfKind(type);
    expect(podSpecOf(resource)?.containers[0]).toMatchObject({ name: "backend" });
  });

  it("returns undefined for a Service and for a Deployment without a template", () => {
    expect(podSpecOf({ type: SERVICE, props: { spec: {} } })).toBeUndefined();
    expect(podSpecOf({ type: DEPLOYMENT, props: { spec: { template: "oops" } } })).toBeUndefined();
  });

  it.each([
    ["StatefulSet", STATEFUL_SET],
    ["DaemonSet", DAEMON_SET],
    ["Job", JOB],
    ["CronJob", CRON_JOB],
    ["Pod", POD],
  ])("lets the rules check a %s", async (_kind, type) => {
    const pod = backendPodSpec();
    pod.containers[0].securityContext!.readOnlyRootFilesystem = false;
    expect(await violations(readOnlyRootFilesystem, workloadOfKind(type, pod))).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
    expect(await violations(podSecurityRestricted, workloadOfKind(type))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// pod-security-restricted
// ---------------------------------------------------------------------------------------------------------------

describe("pod-security-restricted", () => {
  const check = (change: (fixture: Fixture) => void) =>
    violations(podSecurityRestricted, deploymentWith(change));

  it("accepts the restricted backend pod", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it("requires runAsNonRoot on the pod or the container", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.runAsNonRoot;
        delete container.securityContext!.runAsNonRoot;
      }),
    ).toEqual([
      'container "backend": securityContext.runAsNonRoot must be true (on the container or at spec.template.spec.securityContext)',
    ]);
  });

  it("accepts runAsNonRoot set only on every container", async () => {
    expect(await check(({ pod }) => delete pod.securityContext!.runAsNonRoot)).toEqual([]);
  });

  it("rejects a container that turns runAsNonRoot off under a non-root pod", async () => {
    expect(await check(({ container }) => (container.securityContext!.runAsNonRoot = false))).toEqual([
      'container "backend": securityContext.runAsNonRoot must be true (on the container or at spec.template.spec.securityContext)',
    ]);
  });

  it("rejects runAsNonRoot: false at pod level", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.runAsNonRoot = false))).toEqual([
      "spec.template.spec.securityContext.runAsNonRoot must not be false",
    ]);
  });

  it("rejects runAsUser 0 on the pod or a container", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.runAsUser = 0))).toEqual([
      "spec.template.spec.securityContext.runAsUser must not be 0 (root)",
    ]);
    expect(await check(({ container }) => (container.securityContext!.runAsUser = 0))).toEqual([
      'container "backend": securityContext.runAsUser must not be 0 (root)',
    ]);
  });

  it("rejects a runAsUser that is not a number", async () => {
    expect(
      await check(({ container }) => {
        (container.securityContext as Record<string, unknown>).runAsUser = "10001";
      }),
    ).toEqual(['container "backend": securityContext.runAsUser must be a numeric UID, got "10001"']);
  });

  it("requires allowPrivilegeEscalation: false on every container", async () => {
    expect(
      await check(({ container }) => delete container.securityContext!.allowPrivilegeEscalation),
    ).toEqual(['container "backend": securityContext.allowPrivilegeEscalation must be false']);
  });

  it("rejects a privileged container", async () => {
    expect(await check(({ container }) => (container.securityContext!.privileged = true))).toEqual([
      'container "backend": securityContext.privileged must not be true',
    ]);
  });

  it('requires capabilities.drop to include "ALL"', async () => {
    expect(
      await check(({ container }) => (container.securityContext!.capabilities = { drop: ["NET_RAW"] })),
    ).toEqual(['container "backend": securityContext.capabilities.drop must include "ALL"']);
  });

  it("allows adding only NET_BIND_SERVICE", async () => {
    expect(
      await check(({ container }) => (container.securityContext!.capabilities!.add = ["NET_BIND_SERVICE"])),
    ).toEqual([]);
    expect(
      await check(
        ({ container }) => (container.securityContext!.capabilities!.add = ["NET_BIND_SERVICE", "NET_ADMIN"]),
      ),
    ).toEqual([
      'container "backend": securityContext.capabilities.add may only contain "NET_BIND_SERVICE", not "NET_ADMIN"',
    ]);
  });

  it("requires a RuntimeDefault or Localhost seccomp profile on the pod or every container", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.seccompProfile;
        delete container.securityContext!.seccompProfile;
      }),
    ).toEqual([
      'container "backend": securityContext.seccompProfile.type must be RuntimeDefault or Localhost (on the container or at spec.template.spec.securityContext)',
    ]);
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.seccompProfile;
        container.securityContext!.seccompProfile = { type: "Localhost", localhostProfile: "todo.json" };
      }),
    ).toEqual([]);
  });

  it("rejects an Unconfined seccomp profile on the pod or a container", async () => {
    expect(await check(({ pod }) => (pod.securityContext!.seccompProfile = { type: "Unconfined" }))).toEqual([
      'spec.template.spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "Unconfined"',
    ]);
    expect(
      await check(({ container }) => (container.securityContext!.seccompProfile = { type: "Unconfined" })),
    ).toEqual([
      'container "backend": securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "Unconfined"',
    ]);
  });

  it.each(["hostNetwork", "hostPID", "hostIPC"] as const)("rejects %s", async (field) => {
    expect(await check(({ pod }) => (pod[field] = true))).toEqual([
      `spec.template.spec.${field} must not be true`,
    ]);
  });

  it("rejects a hostPath volume", async () => {
    expect(
      await check(({ pod }) => pod.volumes!.push({ name: "docker", hostPath: { path: "/var/run" } })),
    ).toEqual([
      'volume "docker": spec.template.spec.volumes[1].hostPath is not allowed (it exposes the node\'s filesystem)',
    ]);
  });

  it("rejects a volume type outside the restricted list", async () => {
    expect(
      await check(({ pod }) => pod.volumes!.push({ name: "shared", nfs: { server: "nas", path: "/x" } })),
    ).toEqual([
      'volume "shared": spec.template.spec.volumes[1].nfs is not an allowed volume type (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)',
    ]);
  });

  it("accepts every restricted volume type", async () => {
    expect(
      await check(({ pod }) =>
        pod.volumes!.push(
          { name: "config", configMap: { name: "todo" } },
          { name: "secret", secret: { secretName: "todo" } },
          { name: "data", persistentVolumeClaim: { claimName: "todo" } },
          { name: "info", downwardAPI: { items: [] } },
          { name: "token", projected: { sources: [] } },
        ),
      ),
    ).toEqual([]);
  });

  it("rejects a hostPort", async () => {
    expect(await check(({ container }) => (container.ports![0].hostPort = 7860))).toEqual([
      'container "backend": ports[0].hostPort must not be set (got 7860)',
    ]);
  });

  it("checks init containers too", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        delete init.securityContext!.allowPrivilegeEscalation;
        pod.initContainers = [init];
      }),
    ).toEqual(['init container "migrate": securityContext.allowPrivilegeEscalation must be false']);
  });

  it("names the pod spec by its real path in a CronJob", async () => {
    const pod = backendPodSpec();
    pod.hostNetwork = true;
    expect(await violations(podSecurityRestricted, workloadOfKind(CRON_JOB, pod))).toEqual([
      "spec.jobTemplate.spec.template.spec.hostNetwork must not be true",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// uid-above-10000
// ---------------------------------------------------------------------------------------------------------------

describe("uid-above-10000", () => {
  const check = (change: (fixture: Fixture) => void) => violations(uidAbove10000, deploymentWith(change));

  it("accepts UID and GID 10001 set at pod level", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it("accepts UID and GID set on every container instead of the pod", async () => {
    expect(
      await check(({ pod, container }) => {
        delete pod.securityContext!.runAsUser;
        delete pod.securityContext!.runAsGroup;
        container.securityContext!.runAsUser = 10001;
        container.securityContext!.runAsGroup = 10001;
      }),
    ).toEqual([]);
  });

  it.each(["runAsUser", "runAsGroup"] as const)("requires %s", async (field) => {
    expect(await check(({ pod }) => delete pod.securityContext![field])).toEqual([
      `container "backend": securityContext.${field} must be set to a number above 10000 (on the container or at spec.template.spec.securityContext)`,
    ]);
  });

  it("reports a low pod-level UID once, where it is set, however many containers inherit it", async () => {
    expect(
      await check(({ pod }) => {
        pod.securityContext!.runAsUser = 1000;
        pod.containers.push({ ...backendContainer(), name: "sidecar" });
      }),
    ).toEqual(["spec.template.spec.securityContext.runAsUser must be above 10000, got 1000"]);
  });

  it("rejects a container that overrides the GID with 10000", async () => {
    expect(await check(({ container }) => (container.securityContext!.runAsGroup = 10000))).toEqual([
      'container "backend": securityContext.runAsGroup must be above 10000, got 10000',
    ]);
  });

  it("rejects a UID that is not a number", async () => {
    expect(
      await check(({ pod }) => {
        (pod.securityContext as Record<string, unknown>).runAsUser = "10001";
      }),
    ).toEqual(['spec.template.spec.securityContext.runAsUser must be a number above 10000, got "10001"']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// read-only-root-filesystem, resources-required, no-service-account-token
// ---------------------------------------------------------------------------------------------------------------

describe("read-only-root-filesystem", () => {
  const check = (change: (fixture: Fixture) => void) =>
    violations(readOnlyRootFilesystem, deploymentWith(change));

  it("accepts a read-only root filesystem", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it("rejects a container that leaves it unset", async () => {
    expect(await check(({ container }) => delete container.securityContext!.readOnlyRootFilesystem)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });

  it("rejects an init container with a writable root filesystem", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        init.securityContext!.readOnlyRootFilesystem = false;
        pod.initContainers = [init];
      }),
    ).toEqual(['init container "migrate": securityContext.readOnlyRootFilesystem must be true']);
  });

  it("rejects a container without any securityContext", async () => {
    expect(await check(({ container }) => delete container.securityContext)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });
});

describe("resources-required", () => {
  const check = (change: (fixture: Fixture) => void) => violations(resourcesRequired, deploymentWith(change));

  it("accepts cpu and memory requests and limits", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it.each([
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
  ] as const)("requires resources.%s.%s", async (kind, resource) => {
    expect(await check(({ container }) => delete container.resources![kind]![resource])).toEqual([
      `container "backend": resources.${kind}.${resource} is required`,
    ]);
  });

  it("requires them on init containers too", async () => {
    expect(
      await check(({ pod }) => {
        const init = backendContainer();
        init.name = "migrate";
        delete init.resources!.limits;
        pod.initContainers = [init];
      }),
    ).toEqual([
      'init container "migrate": resources.limits.cpu is required',
      'init container "migrate": resources.limits.memory is required',
    ]);
  });
});

describe("no-service-account-token", () => {
  const check = (change: (fixture: Fixture) => void) =>
    violations(noServiceAccountToken, deploymentWith(change));

  it("accepts automountServiceAccountToken: false", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it("rejects a pod spec that leaves it unset or true", async () => {
    const expected = ["spec.template.spec.automountServiceAccountToken must be false"];
    expect(await check(({ pod }) => delete pod.automountServiceAccountToken)).toEqual(expected);
    expect(await check(({ pod }) => (pod.automountServiceAccountToken = true))).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// probes-required
// ---------------------------------------------------------------------------------------------------------------

describe("probes-required", () => {
  const check = (change: (fixture: Fixture) => void) => violations(probesRequired, deploymentWith(change));

  it("accepts startup, readiness and liveness probes that differ", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it.each(["startupProbe", "readinessProbe", "livenessProbe"] as const)("requires a %s", async (probe) => {
    expect(await check(({ container }) => delete container[probe])).toEqual([
      `container "backend": ${probe} is required`,
    ]);
  });

  it("rejects identical readiness and liveness probes", async () => {
    expect(
      await check(({ container }) => (container.readinessProbe = structuredClone(container.livenessProbe))),
    ).toEqual([
      'container "backend": readinessProbe and livenessProbe must differ (use a different path or thresholds: readiness may depend on the database, liveness must not)',
    ]);
  });

  it("accepts readiness and liveness on the same path when their thresholds differ", async () => {
    expect(
      await check(({ container }) => {
        container.readinessProbe = httpProbe("/health", { periodSeconds: 5, failureThreshold: 2 });
      }),
    ).toEqual([]);
  });

  it("does not apply to a Job or a CronJob, whose pods are meant to finish", async () => {
    const pod = backendPodSpec();
    delete pod.containers[0].livenessProbe;
    for (const type of [JOB, CRON_JOB]) {
      const outcome = await runResourcePolicy(probesRequired, workloadOfKind(type, pod));
      expect(outcome).toMatchObject({ violations: [], notApplicable: expect.any(String) as unknown });
    }
  });

  it("applies to a long-running Pod but not to one that runs to completion", async () => {
    const pod = backendPodSpec();
    delete pod.containers[0].startupProbe;
    expect(await violations(probesRequired, workloadOfKind(POD, pod))).toEqual([
      'container "backend": startupProbe is required',
    ]);
    const outcome = await runResourcePolicy(
      probesRequired,
      workloadOfKind(POD, { ...pod, restartPolicy: "Never" }),
    );
    expect(outcome.notApplicable).toBeDefined();
  });

  it("ignores ordinary init containers but requires probes on a native sidecar", async () => {
    const migrate: Container = { name: "migrate", image: "todo-backend:3f9c2a1b" };
    expect(await check(({ pod }) => (pod.initContainers = [migrate]))).toEqual([]);
    const sidecar: Container = { ...migrate, name: "proxy", restartPolicy: "Always" };
    expect(await check(({ pod }) => (pod.initContainers = [sidecar]))).toEqual([
      'init container "proxy": startupProbe is required',
      'init container "proxy": readinessProbe is required',
      'init container "proxy": livenessProbe is required',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------------------------

describe("image references", () => {
  it.each([
    ["todo-backend:3f9c2a1b", { tag: "3f9c2a1b" }, true],
    ["localhost:5000/todo-backend", {}, false],
    ["localhost:5000/todo-backend:1.2", { tag: "1.2" }, true],
    ["nginx:latest", { tag: "latest" }, false],
    ["nginx", {}, false],
    ["nginx@sha256:abc", { digest: "sha256:abc" }, true],
    ["nginx:latest@sha256:abc", { tag: "latest", digest: "sha256:abc" }, true],
  ])("parses %s", (image, parsed, pinned) => {
    expect(parseImage(image)).toEqual({ tag: undefined, digest: undefined, ...parsed });
    expect(isPinnedImage(image)).toBe(pinned);
  });
});

describe("no-latest-image", () => {
  const withImage = (image: string) =>
    violations(
      noLatestImage,
      deploymentWith(({ container }) => (container.image = image)),
    );

  it("accepts a tag or a digest", async () => {
    expect(await withImage("todo-backend:3f9c2a1b")).toEqual([]);
    expect(await withImage("todo-backend@sha256:0123abcd")).toEqual([]);
  });

  it("rejects an image without a tag, even behind a registry port", async () => {
    expect(await withImage("localhost:5000/todo-backend")).toEqual([
      'container "backend": image "localhost:5000/todo-backend" must have an explicit tag or digest',
    ]);
  });

  it('rejects the "latest" tag', async () => {
    expect(await withImage("todo-backend:latest")).toEqual([
      'container "backend": image "todo-backend:latest" must not use the "latest" tag',
    ]);
  });
});

describe("image-pull-policy-if-not-present", () => {
  const check = (image: string, policy?: string) =>
    violations(
      imagePullPolicyIfNotPresent,
      deploymentWith(({ container }) => {
        container.image = image;
        container.imagePullPolicy = policy;
      }),
    );

  it("accepts IfNotPresent, or leaving it to the Kubernetes default, for a pinned image", async () => {
    expect(await check("todo-backend:3f9c2a1b", "IfNotPresent")).toEqual([]);
    expect(await check("todo-backend:3f9c2a1b")).toEqual([]);
  });

  it("flags Always on a pinned image", async () => {
    expect(await check("todo-backend:3f9c2a1b", "Always")).toEqual([
      'container "backend": imagePullPolicy should be IfNotPresent for the pinned image, got "Always"',
    ]);
  });

  it("leaves unpinned images to no-latest-image", async () => {
    expect(await check("todo-backend:latest", "Always")).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// no-literal-secret-env
// ---------------------------------------------------------------------------------------------------------------

describe("no-literal-secret-env", () => {
  const withEnv = (env: Container["env"]) =>
    violations(
      noLiteralSecretEnv,
      deploymentWith(({ container }) => (container.env = env)),
    );

  it("accepts secrets from secretKeyRef and plain settings as literals", async () => {
    expect(await violations(noLiteralSecretEnv, compliant())).toEqual([]);
  });

  it.each([
    "BETTER_AUTH_SECRET",
    "POSTGRES_PASSWORD",
    "GITHUB_TOKEN",
    "COHERE_API_KEY",
    "STRIPE_APIKEY",
    "SIGNING_KEY",
    "DATABASE_URL",
    "AWS_CREDENTIALS",
  ])("rejects a literal value for %s without repeating the value", async (name) => {
    const found = await withEnv([{ name, value: "hunter2-s3cr3t" }]);
    expect(found).toEqual([
      `container "backend": env[0] "${name}" must not set a literal value; use valueFrom.secretKeyRef`,
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("rejects a secret-looking variable fed from a ConfigMap", async () => {
    expect(
      await withEnv([{ name: "DATABASE_URL", valueFrom: { configMapKeyRef: { name: "todo", key: "db" } } }]),
    ).toEqual(['container "backend": env[0] "DATABASE_URL" must come from valueFrom.secretKeyRef']);
  });

  it("rejects a literal whose value is unknown during preview", async () => {
    expect(await withEnv([{ name: "BETTER_AUTH_SECRET", value: UNKNOWN_STRING }])).toEqual([
      'container "backend": env[0] "BETTER_AUTH_SECRET" must come from valueFrom.secretKeyRef',
    ]);
  });

  it("leaves ordinary names alone", () => {
    for (const name of ["LOG_LEVEL", "BACKEND_URL", "FRONTEND_URL", "KEYBOARD_LAYOUT", "PORT"]) {
      expect(looksSecret(name), name).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// rolling-update-zero-unavailable
// ---------------------------------------------------------------------------------------------------------------

describe("rolling-update-zero-unavailable", () => {
  const check = (change: (fixture: Fixture) => void) =>
    violations(rollingUpdateZeroUnavailable, deploymentWith(change));

  it("accepts RollingUpdate with maxSurge 1 and maxUnavailable 0", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it('accepts maxUnavailable written as "0%"', async () => {
    expect(await check(({ props }) => (props.spec.strategy!.rollingUpdate!.maxUnavailable = "0%"))).toEqual(
      [],
    );
  });

  it("rejects the Recreate strategy", async () => {
    expect(await check(({ props }) => (props.spec.strategy = { type: "Recreate" }))).toEqual([
      'spec.strategy.type must be RollingUpdate, got "Recreate"',
    ]);
  });

  it("rejects relying on the default maxUnavailable", async () => {
    expect(await check(({ props }) => delete props.spec.strategy)).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable must be set to 0 (it is unset or unknown; the default is 25%)",
    ]);
  });

  it("rejects a non-zero maxUnavailable", async () => {
    expect(await check(({ props }) => (props.spec.strategy!.rollingUpdate!.maxUnavailable = "25%"))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable must be 0, got "25%"',
    ]);
  });

  it("rejects maxSurge 0 alongside maxUnavailable 0, which could never roll out", async () => {
    expect(await check(({ props }) => (props.spec.strategy!.rollingUpdate!.maxSurge = 0))).toEqual([
      "spec.strategy.rollingUpdate.maxSurge must be above 0 when maxUnavailable is 0, or the rollout cannot start",
    ]);
  });

  it("applies only to Deployments", async () => {
    const outcome = await runResourcePolicy(rollingUpdateZeroUnavailable, workloadOfKind(STATEFUL_SET));
    expect(outcome.notApplicable).toBeDefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// recommended-labels
// ---------------------------------------------------------------------------------------------------------------

describe("recommended-labels", () => {
  const check = (change: (fixture: Fixture) => void) => violations(recommendedLabels, deploymentWith(change));
  const required = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
  ];

  it("accepts the full label set with a version-free selector", async () => {
    expect(await check(() => undefined)).toEqual([]);
  });

  it.each(required)("requires %s on the Deployment", async (label) => {
    expect(await check(({ props }) => delete props.metadata!.labels![label])).toEqual([
      `metadata.labels["${label}"] is required`,
    ]);
  });

  it.each(required)("requires %s on the pod template", async (label) => {
    expect(await check(({ props }) => delete props.spec.template.metadata!.labels![label])).toEqual([
      `spec.template.metadata.labels["${label}"] is required`,
    ]);
  });

  it("rejects the version label in the selector", async () => {
    expect(
      await check(({ props }) => (props.spec.selector.matchLabels!["app.kubernetes.io/version"] = "0.1.0")),
    ).toEqual([
      'spec.selector.matchLabels must not contain "app.kubernetes.io/version" (selectors are immutable)',
    ]);
  });

  it("rejects the version label in a selector expression", async () => {
    expect(
      await check(
        ({ props }) =>
          (props.spec.selector.matchExpressions = [
            { key: "app.kubernetes.io/version", operator: "In", values: ["0.1.0"] },
          ]),
      ),
    ).toEqual([
      'spec.selector.matchExpressions must not use "app.kubernetes.io/version" (selectors are immutable)',
    ]);
  });

  it("checks a bare Pod's own labels once", async () => {
    const pod = workloadOfKind(POD);
    delete (pod.props as { metadata: { labels: Record<string, string> } }).metadata.labels[
      "app.kubernetes.io/part-of"
    ];
    expect(await violations(recommendedLabels, pod)).toEqual([
      'metadata.labels["app.kubernetes.io/part-of"] is required',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Stack rules
// ---------------------------------------------------------------------------------------------------------------

function budget(namespace: string, selector: object): FakeResource {
  return {
    type: PDB,
    props: { metadata: { name: "backend", namespace }, spec: { maxUnavailable: 1, selector } },
  };
}

function networkPolicy(namespace?: string): FakeResource {
  return {
    type: NETWORK_POLICY,
    props: {
      metadata: { name: "default-deny", namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
  };
}

describe("pod-disruption-budget", () => {
  const check = (resources: FakeResource[]) => runStackPolicy(podDisruptionBudget, resources);

  it("accepts a replicated Deployment covered by a matching budget", async () => {
    expect(await check([compliant(), budget("todo", { matchLabels: selectorOf("backend") })])).toEqual([]);
  });

  it("flags a replicated Deployment without a budget, against the Deployment", async () => {
    const deployment = compliant();
    expect(await check([deployment])).toEqual([
      {
        message:
          'Deployment "backend" runs 2 replicas but no policy/v1 PodDisruptionBudget in namespace "todo" selects its pod labels (spec.template.metadata.labels)',
        urn: urnOf(deployment),
      },
    ]);
  });

  it("flags a budget in another namespace or with a selector that misses the pods", async () => {
    expect(await check([compliant(), budget("other", { matchLabels: selectorOf("backend") })])).toHaveLength(
      1,
    );
    expect(await check([compliant(), budget("todo", { matchLabels: selectorOf("frontend") })])).toHaveLength(
      1,
    );
  });

  it("understands selector expressions and the empty selector", async () => {
    const expression = {
      matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["backend"] }],
    };
    expect(await check([compliant(), budget("todo", expression)])).toEqual([]);
    expect(await check([compliant(), budget("todo", {})])).toEqual([]);
    const absent = { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "DoesNotExist" }] };
    expect(await check([compliant(), budget("todo", absent)])).toHaveLength(1);
  });

  it("ignores single-replica workloads and DaemonSets", async () => {
    const single = deploymentWith(({ props }) => (props.spec.replicas = 1));
    const unset = deploymentWith(({ props }) => delete props.spec.replicas);
    expect(await check([single, unset, workloadOfKind(DAEMON_SET)])).toEqual([]);
  });

  it("flags a replicated StatefulSet too", async () => {
    expect((await check([workloadOfKind(STATEFUL_SET)]))[0]?.message).toMatch(
      /^StatefulSet "backend" runs 2 replicas/,
    );
  });
});

describe("network-policy-present", () => {
  const check = (resources: FakeResource[]) => runStackPolicy(networkPolicyPresent, resources);

  it("accepts a namespace with a NetworkPolicy", async () => {
    expect(await check([compliant(), networkPolicy("todo")])).toEqual([]);
  });

  it("flags each namespace that runs pods without one, naming its workloads", async () => {
    const frontend = deploymentWith(({ props }) => (props.metadata!.name = "frontend"));
    const job = workloadOfKind(JOB);
    (job.props as { metadata: { namespace: string } }).metadata.namespace = "batch";
    expect(await check([compliant(), frontend, job, networkPolicy("elsewhere")])).toEqual([
      {
        message:
          'namespace "todo" runs pods (Deployment "backend", Deployment "frontend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
      {
        message: 'namespace "batch" runs pods (Job "backend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
    ]);
  });

  it("matches workloads and policies that both use the provider's default namespace", async () => {
    const unnamespaced = deploymentWith(({ props }) => delete props.metadata!.namespace);
    expect(await check([unnamespaced, networkPolicy()])).toEqual([]);
    expect(await check([unnamespaced])).toEqual([
      {
        message:
          'the provider\'s default namespace runs pods (Deployment "backend") but has no networking.k8s.io/v1 NetworkPolicy',
      },
    ]);
  });

  it("has nothing to say about a stack without workloads", async () => {
    expect(await check([networkPolicy("todo")])).toEqual([]);
  });
});
