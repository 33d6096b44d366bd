/** The pure spec builders: restricted security, probes, rollout, disruption budget and labels. */
import { describe, expect, it } from "vitest";

import { labelValue, selectorLabels, standardLabels } from "../../k8s/labels";
import {
  APP_UID,
  containerSecurityContext,
  deploymentSpec,
  disruptionBudgetSpec,
  podSecurityContext,
  probes,
} from "../../k8s/podSpec";
import { DEFAULT_RESOURCES } from "../../config/resources";
import { quantityValue } from "../../k8s/resources";

const labels = { component: "backend", instance: "todo-dev", version: "c-0123456789abcdef" };
const spec = deploymentSpec({
  name: "backend",
  image: "todo-backend:c-0123456789abcdef",
  port: 7860,
  replicas: 2,
  labels,
  probes: { liveness: "/health", readiness: "/ready" },
  resources: DEFAULT_RESOURCES.backend,
  writablePaths: [{ name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi" }],
}) as any;
const pod = spec.template.spec;
const container = pod.containers[0];

describe("Pod Security Standards: restricted", () => {
  it("runs as the numeric non-root UID/GID 10001 that the Dockerfiles' USER names", () => {
    expect(APP_UID).toBe(10001);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
    });
  });

  it("drops every capability, forbids privilege escalation and uses the runtime's seccomp profile", () => {
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
  });

  it("has a read-only root filesystem with size-limited emptyDir mounts only where the app writes", () => {
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
  });

  it("does not mount a service account token (the app never calls the Kubernetes API)", () => {
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("uses no host namespaces, host paths or host ports", () => {
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostIPC).toBeUndefined();
    expect(container.ports.every((p: any) => p.hostPort === undefined)).toBe(true);
  });

  it("exports the same contexts for other workloads (the database reuses them)", () => {
    expect(podSecurityContext(10002).runAsUser).toBe(10002);
    expect(containerSecurityContext(10002).runAsGroup).toBe(10002);
  });
});

describe("resources", () => {
  it("sets CPU and memory requests and limits, with requests no larger than limits", () => {
    expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"]);
    expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"]);
    for (const service of Object.values(DEFAULT_RESOURCES)) {
      for (const r of ["cpu", "memory"] as const) {
        expect(quantityValue(service.requests[r])).toBeLessThanOrEqual(quantityValue(service.limits[r]));
      }
    }
  });

  it("parses quantities the way Kubernetes does", () => {
    expect(quantityValue("500m")).toBe(0.5);
    expect(quantityValue("1Gi")).toBe(1024 ** 3);
    expect(quantityValue("256Mi")).toBe(256 * 1024 ** 2);
    expect(quantityValue("1e3")).toBe(1000);
    expect(Number.isNaN(quantityValue("lots"))).toBe(true);
  });
});

describe("probes", () => {
  const p = probes({ liveness: "/health", readiness: "/ready" });

  it("has a startup probe that tolerates two minutes of start-up on the liveness endpoint", () => {
    expect(p.startupProbe.httpGet.path).toBe("/health");
    expect(p.startupProbe.periodSeconds * p.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it("takes a pod out of rotation faster than it restarts it", () => {
    const readinessWindow = p.readinessProbe.periodSeconds * p.readinessProbe.failureThreshold;
    const livenessWindow = p.livenessProbe.periodSeconds * p.livenessProbe.failureThreshold;
    expect(readinessWindow).toBeLessThan(livenessWindow);
  });

  it("never makes readiness and liveness identical, even on one endpoint", () => {
    const same = probes({ liveness: "/api/health", readiness: "/api/health" });
    expect(same.readinessProbe).not.toEqual(same.livenessProbe);
  });

  it("wires the probes into the container on its named port", () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http", scheme: "HTTP" });
    expect(container.livenessProbe.httpGet.path).toBe("/health");
    expect(container.ports).toEqual([{ name: "http", containerPort: 7860, protocol: "TCP" }]);
  });
});

describe("availability", () => {
  it("rolls out one extra pod at a time and never takes one away before its replacement is ready", () => {
    expect(spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it("prefers, but never requires, replicas on different nodes (single-node minikube still schedules)", () => {
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    const [term] = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(term.podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    expect(term.podAffinityTerm.labelSelector.matchLabels).toEqual(selectorLabels(labels));
  });

  it("allows one voluntary eviction at a time, which never blocks a drain even with one replica", () => {
    expect(disruptionBudgetSpec(labels)).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(labels) },
    });
  });
});

describe("labels", () => {
  it("puts the recommended set on the pod template", () => {
    expect(spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/name": "todo-backend",
      "app.kubernetes.io/instance": "todo-dev",
      "app.kubernetes.io/component": "backend",
      "app.kubernetes.io/part-of": "todo-app",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/version": "c-0123456789abcdef",
    });
  });

  it("keeps the version out of the selector, which is immutable", () => {
    expect(spec.selector.matchLabels).toEqual(selectorLabels(labels));
    expect(spec.selector.matchLabels["app.kubernetes.io/version"]).toBeUndefined();
    expect(standardLabels({ component: "x", instance: "y" })["app.kubernetes.io/version"]).toBeUndefined();
  });

  it("makes any version string a valid label value", () => {
    expect(labelValue("1.2.3+build/7")).toBe("1.2.3-build-7");
    expect(labelValue("-x-")).toBe("x");
    expect(labelValue("a".repeat(80))).toHaveLength(63);
  });
});

describe("images", () => {
  it("reuses the node's copy of a content-tagged image instead of pulling", () => {
    expect(container.imagePullPolicy).toBe("IfNotPresent");
    expect(container.image).toBe("todo-backend:c-0123456789abcdef");
  });
});
