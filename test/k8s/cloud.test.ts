/**
 * The pure builders of the cloud objects (issue 15): the Ingress and its TLS, the HorizontalPodAutoscaler, a
 * Deployment without replicas, the zone spread, and NetworkPolicy sources by namespace.
 */
import { describe, expect, it } from "vitest";

import { DEFAULT_RESOURCES } from "../../config/resources";
import { horizontalPodAutoscalerSpec } from "../../k8s/autoscaling";
import {
  CLUSTER_ISSUER_ANNOTATION,
  type IngressSettings,
  TLS_SECRET_NAME,
  ingressAnnotations,
  ingressSpec,
  ingressUrl,
} from "../../k8s/ingress";
import { selectorLabels } from "../../k8s/labels";
import {
  ACME_HTTP01_SOLVER_LABELS,
  ACME_HTTP01_SOLVER_PORT,
  acmeSolverIngressSpec,
  defaultDenySpec,
  dnsEgressSpec,
  ingressOnlyFromSpec,
} from "../../k8s/networkPolicy";
import { deploymentSpec, disruptionBudgetSpec, zoneSpread } from "../../k8s/podSpec";
import { podSecurityRestricted } from "../../policy/rules/podSecurityRestricted";
import { violationsOf } from "../../policy/testing";
import { type Endpoint, mayConnect } from "../support/netpol";

const TLS: IngressSettings = {
  host: "todo.example.com",
  className: "nginx",
  tlsIssuer: "letsencrypt-prod",
  controllerNamespace: "ingress-nginx",
};
const FRONTEND = { serviceName: "todo-frontend", portName: "http" };
const BACKEND = { serviceName: "todo-backend", portName: "http" };

describe("the Ingress", () => {
  it("asks cert-manager for the host's certificate: the ClusterIssuer annotation and a tls entry with a Secret", () => {
    // cert-manager's ingress-shim issues one Certificate per tls entry that names hosts and a secretName
    // (cert-manager/cert-manager pkg/controller/certificate-shim/sync.go, buildCertificates and
    // validateIngressTLSBlock), for an Ingress annotated with the key of pkg/apis/certmanager/v1/types.go.
    expect(CLUSTER_ISSUER_ANNOTATION).toBe("cert-manager.io/cluster-issuer");
    expect(ingressAnnotations(TLS)).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
    const spec = ingressSpec(TLS, FRONTEND) as any;
    expect(spec.tls).toEqual([{ hosts: ["todo.example.com"], secretName: TLS_SECRET_NAME }]);
    expect(spec.ingressClassName).toBe("nginx");
    expect(ingressUrl(TLS)).toBe("https://todo.example.com");
  });

  it("without an issuer, has no tls entry, no annotation, and an http:// URL", () => {
    const plain = { ...TLS, tlsIssuer: undefined };
    expect(ingressAnnotations(plain)).toBeUndefined();
    expect((ingressSpec(plain, FRONTEND) as any).tls).toBeUndefined();
    expect(ingressUrl(plain)).toBe("http://todo.example.com");
  });

  it("routes the host's / to the frontend's http port", () => {
    expect((ingressSpec(TLS, FRONTEND) as any).rules).toEqual([
      {
        host: "todo.example.com",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "todo-frontend", port: { name: "http" } } },
            },
          ],
        },
      },
    ]);
  });

  it("routes an exposed backend's prefix first, before the frontend's /", () => {
    const paths = (ingressSpec({ ...TLS, backendPath: "/backend" }, FRONTEND, BACKEND) as any).rules[0].http
      .paths;
    expect(paths.map((p: any) => [p.path, p.pathType, p.backend.service.name])).toEqual([
      ["/backend", "Prefix", "todo-backend"],
      ["/", "Prefix", "todo-frontend"],
    ]);
  });

  it("leaves the class to the cluster's default when none is given", () => {
    expect((ingressSpec({ ...TLS, className: undefined }, FRONTEND) as any).ingressClassName).toBeUndefined();
  });
});

describe("autoscaling", () => {
  const labels = { component: "backend", instance: "todo-prod" };
  const workload = {
    name: "backend",
    image: "ghcr.io/acme/todo-backend@sha256:" + "0".repeat(64),
    port: 7860,
    labels,
    probes: { liveness: "/health", readiness: "/ready" },
    resources: DEFAULT_RESOURCES.backend,
  };

  it("scales the Deployment on CPU utilization, between the configured bounds (autoscaling/v2)", () => {
    expect(
      horizontalPodAutoscalerSpec("todo-backend", {
        minReplicas: 2,
        maxReplicas: 8,
        targetCPUUtilization: 70,
      }),
    ).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "todo-backend" },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    });
  });

  it("gives the Deployment no replicas field at all when the HPA owns the count", () => {
    // Absent, not undefined-valued: the applied object is the inputs (pulumi/pulumi-kubernetes
    // provider/pkg/await/await.go ssaUpdate marshals c.Inputs.Object), and a field it never names is never owned
    // by Pulumi's field manager, so an update does not reset the HPA's count.
    const spec = deploymentSpec({ ...workload, replicas: undefined });
    expect(Object.keys(spec)).not.toContain("replicas");
    expect(deploymentSpec({ ...workload, replicas: 3 }).replicas).toBe(3);
  });

  it("keeps the disruption budget at maxUnavailable 1, which lets a drain proceed even at minReplicas 1", () => {
    expect(disruptionBudgetSpec(labels)).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(labels) },
    });
  });
});

describe("zone spread", () => {
  it("spreads a service's pods over zones, softly, so a cluster without zones still schedules them", () => {
    const selector = selectorLabels({ component: "frontend", instance: "todo-prod" });
    expect(zoneSpread(selector)).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
      },
    ]);
  });
});

describe("ingress from a namespace", () => {
  const target = { app: "frontend" };
  const spec = ingressOnlyFromSpec(target, { pods: [], namespaces: ["ingress-nginx"] }, 3000) as any;
  const policies = [{ namespace: "todo-prod", spec }];
  const frontend = { kind: "pod" as const, namespace: "todo-prod", labels: target };

  it("admits any pod of the controller's namespace on the service's port, and nothing else", () => {
    const controller = { kind: "pod" as const, namespace: "ingress-nginx", labels: { any: "thing" } };
    expect(mayConnect(policies, controller, frontend, 3000)).toBe(true);
    expect(mayConnect(policies, controller, frontend, 22)).toBe(false);
    expect(mayConnect(policies, { ...controller, namespace: "default" }, frontend, 3000)).toBe(false);
    expect(mayConnect(policies, { kind: "ip", ip: "203.0.113.7" }, frontend, 3000)).toBe(false);
  });

  it("selects the namespace by the name label the API server sets, alongside pods of its own", () => {
    const both = ingressOnlyFromSpec(
      target,
      { pods: [{ a: "b" }], namespaces: ["ingress-nginx"] },
      3000,
    ) as any;
    expect(both.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { a: "b" } } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
    ]);
  });
});

/**
 * The pod cert-manager creates to answer an ACME HTTP-01 challenge, as its controller builds it with the default
 * options (cert-manager/cert-manager pkg/issuer/acme/http/pod.go buildDefaultPod and podLabels; runAsNonRoot from
 * the controller's `--acme-http01-solver-run-as-non-root`, default true in
 * internal/apis/config/controller/v1alpha1/defaults.go; the port from http.go `acmeSolverListenPort`).
 */
const SOLVER_POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    generateName: "cm-acme-http-solver-",
    namespace: "todo-prod",
    labels: {
      "acme.cert-manager.io/http-domain": "1047201832",
      "acme.cert-manager.io/http-token": "1234567890",
      "acme.cert-manager.io/http01-solver": "true",
    },
  },
  spec: {
    automountServiceAccountToken: false,
    nodeSelector: { "kubernetes.io/os": "linux" },
    restartPolicy: "OnFailure",
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name: "acmesolver",
        image: "quay.io/jetstack/cert-manager-acmesolver:v1.17.0",
        imagePullPolicy: "IfNotPresent",
        args: ["--listen-port=8089", "--domain=todo.example.com", "--token=t", "--key=k"],
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        ports: [{ name: "http", containerPort: 8089 }],
        securityContext: {
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        },
      },
    ],
  },
};

describe("cert-manager's HTTP-01 solver under the namespace's default deny", () => {
  const namespace = "todo-prod";
  const policies = [
    { namespace, spec: defaultDenySpec() as any },
    { namespace, spec: dnsEgressSpec() as any },
    { namespace, spec: acmeSolverIngressSpec("ingress-nginx") as any },
  ];
  const solver: Endpoint = { kind: "pod", namespace, labels: SOLVER_POD.metadata.labels };
  const controller: Endpoint = { kind: "pod", namespace: "ingress-nginx", labels: { any: "thing" } };

  it("selects the solver pods by the label cert-manager gives them, on the port they listen on", () => {
    expect(ACME_HTTP01_SOLVER_LABELS).toEqual({ "acme.cert-manager.io/http01-solver": "true" });
    expect(ACME_HTTP01_SOLVER_PORT).toBe(SOLVER_POD.spec.containers[0].ports[0].containerPort);
  });

  it("lets the ingress controller reach a solver pod on 8089, and nothing else reach it", () => {
    expect(mayConnect(policies, controller, solver, 8089)).toBe(true);
    expect(mayConnect(policies, controller, solver, 80)).toBe(false);
    expect(mayConnect(policies, { ...controller, namespace: "default" }, solver, 8089)).toBe(false);
    expect(mayConnect(policies, { kind: "ip", ip: "203.0.113.7" }, solver, 8089)).toBe(false);
  });

  it("opens nothing to the app's own pods", () => {
    const frontend: Endpoint = {
      kind: "pod",
      namespace,
      labels: { "app.kubernetes.io/component": "frontend" },
    };
    expect(mayConnect(policies, controller, frontend, 8089)).toBe(false);
    expect(mayConnect(policies, controller, frontend, 3000)).toBe(false);
  });

  it("gives the solver no egress but DNS: it only serves the challenge (pkg/issuer/acme/http/solver/solver.go)", () => {
    expect(mayConnect(policies, solver, { kind: "ip", ip: "203.0.113.7" }, 443)).toBe(false);
    const dns: Endpoint = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
    expect(mayConnect(policies, solver, dns, 53, "UDP")).toBe(true);
  });

  it("starts a pod the namespace's restricted Pod Security profile admits", async () => {
    // The restricted checks of kubernetes/pod-security-admission policy/ (check_runAsNonRoot.go,
    // check_seccompProfile_restricted.go, check_allowPrivilegeEscalation.go, check_capabilities_restricted.go,
    // check_restrictedVolumes.go), as the policy pack encodes them: the solver sets every field they restrict.
    expect(
      await violationsOf(podSecurityRestricted, { type: "kubernetes:core/v1:Pod", props: SOLVER_POD }),
    ).toEqual([]);
  });

  it("fails that profile when an issuer's podTemplate sets a securityContext without seccompProfile", async () => {
    // A podTemplate's securityContext replaces the pod's whole (pod.go mergePodObjectMetaWithPodTemplate), so
    // an issuer that sets one must repeat runAsNonRoot and seccompProfile: the README says so.
    const templated = structuredClone(SOLVER_POD) as any;
    templated.spec.securityContext = { runAsNonRoot: true };
    expect(
      await violationsOf(podSecurityRestricted, { type: "kubernetes:core/v1:Pod", props: templated }),
    ).not.toEqual([]);
  });
});
