/**
 * The cloud stack of Pulumi.cloud.example.yaml, run as a whole program under mocks: images pinned by digest,
 * the Ingress and its TLS, HPAs that own the replica count, ClusterIP Services, who may reach the pods (as data,
 * through the NetworkPolicy evaluator), the outputs; and the local stacks unchanged.
 */
import { describe, expect, it, vi } from "vitest";

import { tagOfReference } from "../../scripts/lib/dev/cycle";
import type { StackValues } from "../support/cliConfig";
import { type Endpoint, type PolicyObject, mayConnect } from "../support/netpol";
import { type ProgramRun, mockRepoDigest, runProgram, runProgramError, unwrapDeep } from "../support/program";
import {
  CLOUD_EXPOSED_BACKEND_STACK,
  CLOUD_STACK,
  DEFAULT_STACK,
  OWN_APP_STACK,
  REGISTRY_STACK,
} from "../support/stacks";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const NS = "todo-prod";

const container = (run: ProgramRun, name: string) =>
  run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.template.spec.containers[0];

describe("the cloud stack of Pulumi.cloud.example.yaml", async () => {
  const run = await runProgram({ config: { ...CLOUD_STACK } });

  it("runs without an error, every output resolved", () => {
    expect(run.errors).toEqual([]);
  });

  it("runs each pushed image by its registry digest, and labels it with the content tag", () => {
    for (const name of ["backend", "frontend"]) {
      const image = run.one("docker:index/image:Image", `${name}-image`).inputs;
      expect(image.skipPush).toBe(false);
      expect(image.imageName).toMatch(new RegExp(`^ghcr\\.io/acme/todo-${name}:c-[0-9a-f]{16}$`));
      const ref = container(run, name).image as string;
      // The pushed image's repoDigest (the repository without the tag, @ the digest the push reported).
      expect(ref).toBe(mockRepoDigest(image.imageName, false));
      expect(ref).toMatch(new RegExp(`^ghcr\\.io/acme/todo-${name}@sha256:[0-9a-f]{64}$`));
      expect(run.outputs[`${name}Image`]).toBe(ref);
      const tag = image.imageName.split(":").pop();
      const deployment = run.one(DEPLOYMENT, `${name}-deployment`).inputs;
      expect(deployment.metadata.labels["app.kubernetes.io/version"]).toBe(tag);
      expect(deployment.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe(tag);
    }
  });

  it("keeps the image outputs readable by npm run dev: a digest carries no content tag, so the loop hashes", () => {
    // scripts/lib/dev/run.ts reads backendImage/frontendImage and falls back to hashing the sources when
    // tagOfReference finds no content tag; on a registry stack the output is a digest reference.
    for (const name of ["backend", "frontend"]) {
      const ref = run.outputs[`${name}Image`] as string;
      expect(tagOfReference(ref)).toBeUndefined();
      expect(tagOfReference(run.one("docker:index/image:Image", `${name}-image`).inputs.imageName)).toMatch(
        /^c-[0-9a-f]{16}$/,
      );
    }
  });

  it("creates an Ingress for the host with cert-manager's annotation and a tls entry, routed to the frontend", () => {
    const ingress = unwrapDeep(run.one(INGRESS).inputs) as any;
    expect(ingress.metadata.namespace).toBe(NS);
    expect(ingress.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["todo.example.com"], secretName: "todo-tls" }]);
    expect(ingress.spec.rules).toHaveLength(1);
    expect(ingress.spec.rules[0].host).toBe("todo.example.com");
    expect(ingress.spec.rules[0].http.paths).toEqual([
      {
        path: "/",
        pathType: "Prefix",
        backend: { service: { name: "todo-frontend", port: { name: "http" } } },
      },
    ]);
  });

  it("publishes https://<host> as FRONTEND_URL and the frontendUrl output", () => {
    expect(run.outputs.frontendUrl).toBe("https://todo.example.com");
    const configMap = run.byType("kubernetes:core/v1:ConfigMap").map((c) => unwrapDeep(c.inputs) as any);
    expect(configMap.map((c) => c.data.FRONTEND_URL)).toContain("https://todo.example.com");
    expect(run.outputs.backendPublicUrl).toBeUndefined();
  });

  it("opens no NodePort: every Service is ClusterIP", () => {
    expect(run.byType(SERVICE).map((s) => s.name)).toEqual(
      expect.arrayContaining(["backend-service", "frontend-service"]),
    );
    for (const service of run.byType(SERVICE)) {
      // An absent type is ClusterIP, the API's default.
      expect(service.inputs.spec.type ?? "ClusterIP", service.name).toBe("ClusterIP");
      expect(service.inputs.spec.ports[0].nodePort, service.name).toBeUndefined();
    }
  });

  it("gives each service an autoscaling/v2 HPA with the stack's bounds, and its Deployment no replicas", () => {
    const bounds = { frontend: [2, 6, 75], backend: [2, 10, 75] } as const;
    for (const [name, [min, max, cpu]] of Object.entries(bounds)) {
      const hpa = run.one(HPA, `${name}-hpa`).inputs;
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: `todo-${name}`,
      });
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([min, max]);
      expect(hpa.spec.metrics[0].resource.target).toEqual({ type: "Utilization", averageUtilization: cpu });
      expect(Object.keys(run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec)).not.toContain("replicas");
      expect(
        run.one("kubernetes:policy/v1:PodDisruptionBudget", `${name}-pdb`).inputs.spec.maxUnavailable,
      ).toBe(1);
    }
  });

  it("spreads the app's pods over zones, softly", () => {
    for (const name of ["backend", "frontend"]) {
      const pod = run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.template.spec;
      expect(pod.topologySpreadConstraints).toEqual([
        expect.objectContaining({
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
        }),
      ]);
    }
  });

  it("puts the database's claim on the stack's StorageClass", () => {
    const statefulSet = run.one("kubernetes:apps/v1:StatefulSet").inputs;
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.storageClassName).toBe("retained-ssd");
  });
});

const without = (config: StackValues, key: string): StackValues =>
  Object.fromEntries(Object.entries(config).filter(([k]) => k !== key));

function network(run: ProgramRun) {
  const policies: PolicyObject[] = run.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
    const inputs = unwrapDeep(r.inputs) as any;
    return { namespace: inputs.metadata.namespace, spec: inputs.spec };
  });
  const pod = (name: string): Endpoint => ({
    kind: "pod",
    namespace: NS,
    labels: run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.template.metadata.labels,
  });
  return {
    backend: pod("backend"),
    frontend: pod("frontend"),
    may: (from: Endpoint, to: Endpoint, port: number) => mayConnect(policies, from, to, port),
  };
}

const CONTROLLER: Endpoint = {
  kind: "pod",
  namespace: "ingress-nginx",
  labels: { "app.kubernetes.io/name": "ingress-nginx" },
};
const OTHER_NAMESPACE: Endpoint = { kind: "pod", namespace: "monitoring", labels: {} };
const OUTSIDE: Endpoint = { kind: "ip", ip: "203.0.113.7" };
const SOLVER: Endpoint = {
  kind: "pod",
  namespace: NS,
  labels: {
    "acme.cert-manager.io/http-domain": "1047201832",
    "acme.cert-manager.io/http-token": "1234567890",
    "acme.cert-manager.io/http01-solver": "true",
  },
};

describe("the cloud stack's network", async () => {
  const { backend, frontend, may } = network(await runProgram({ config: { ...CLOUD_STACK } }));

  it("lets the ingress controller's pods reach the frontend's port, and no one else from outside", () => {
    expect(may(CONTROLLER, frontend, 3000)).toBe(true);
    expect(may(CONTROLLER, frontend, 22)).toBe(false);
    expect(may(OUTSIDE, frontend, 3000)).toBe(false);
    expect(may(OTHER_NAMESPACE, frontend, 3000)).toBe(false);
  });

  it("keeps the backend closed to the controller when it is not exposed; the frontend still reaches it", () => {
    expect(may(CONTROLLER, backend, 7860)).toBe(false);
    expect(may(frontend, backend, 7860)).toBe(true);
  });

  it("lets the controller reach cert-manager's HTTP-01 solver pod, so the certificate can be issued", () => {
    // cert-manager starts it in the Ingress's namespace with these labels, listening on 8089
    // (cert-manager/cert-manager pkg/issuer/acme/http/pod.go podLabels and buildDefaultPod, http.go).
    expect(may(CONTROLLER, SOLVER, 8089)).toBe(true);
    expect(may(OUTSIDE, SOLVER, 8089)).toBe(false);
    expect(may(OTHER_NAMESPACE, SOLVER, 8089)).toBe(false);
    expect(may(CONTROLLER, frontend, 8089)).toBe(false);
  });
});

describe("a cloud stack without tlsIssuer", async () => {
  const run = await runProgram({ config: without(CLOUD_STACK, "tlsIssuer") });

  it("admits no one to an HTTP-01 solver: there is no certificate to solve for", () => {
    expect(network(run).may(CONTROLLER, SOLVER, 8089)).toBe(false);
    const names = run
      .byType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .map((p) => unwrapDeep(p.inputs) as any)
      .map((p) => p.metadata.name);
    expect(names).not.toContain("acme-http01-solver-ingress");
  });
});

describe("a cloud stack with the backend exposed through the Ingress", async () => {
  const run = await runProgram({ config: { ...CLOUD_EXPOSED_BACKEND_STACK } });
  const { backend, may } = network(run);

  it("serves the backend at its path prefix on the same host, before the frontend's /", () => {
    const paths = (unwrapDeep(run.one(INGRESS).inputs) as any).spec.rules[0].http.paths;
    expect(paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ["/backend", "todo-backend"],
      ["/", "todo-frontend"],
    ]);
  });

  it("publishes the backend's URL on the Ingress, and builds it into the frontend", () => {
    expect(run.outputs.backendPublicUrl).toBe("https://todo.example.com/backend");
    const image = run.one("docker:index/image:Image", "frontend-image").inputs;
    expect(image.build.args.NEXT_PUBLIC_API_URL).toBe("https://todo.example.com/backend");
  });

  it("gives the backend no NodePort, and admits the controller to it but not the internet", () => {
    expect(run.one(SERVICE, "backend-service").inputs.spec.type).toBe("ClusterIP");
    expect(may(CONTROLLER, backend, 7860)).toBe(true);
    expect(may(OUTSIDE, backend, 7860)).toBe(false);
  });

  it("runs no database in the cluster", () => {
    expect(run.byType("kubernetes:apps/v1:StatefulSet")).toEqual([]);
  });
});

describe("warnings of a cloud stack", () => {
  async function warningsOf(config: StackValues): Promise<string> {
    const written: string[] = [];
    // Under the mock monitor the SDK's log.warn falls back to the console.
    const record = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    const spies = (["error", "warn", "log"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(record),
    );
    try {
      await runProgram({ preview: true, config });
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    return written.join("\n");
  }

  it("warn at preview when the in-cluster database has no StorageClass of the stack's choosing", async () => {
    expect(await warningsOf(without(CLOUD_STACK, "postgresStorageClass"))).toMatch(
      /default StorageClass .*reclaimPolicy Retain/,
    );
    expect(await warningsOf({ ...CLOUD_STACK })).not.toMatch(/StorageClass/);
  });

  it("warn at preview when the Ingress serves plain HTTP", async () => {
    expect(await warningsOf(without(CLOUD_STACK, "tlsIssuer"))).toMatch(/serves plain HTTP/);
  });
});

describe("bad cloud settings", () => {
  it.each([
    [{ ingressHost: "*.example.com" }, /todo-app:ingressHost = "\*\.example\.com" is not valid/],
    [{ tlsIssuer: "Lets Encrypt" }, /todo-app:tlsIssuer = "Lets Encrypt" is not valid/],
    [{ ingressClass: "nginx!" }, /todo-app:ingressClass = "nginx!" is not valid/],
    [
      { ingressControllerNamespace: "Ingress" },
      /todo-app:ingressControllerNamespace = "Ingress" is not valid/,
    ],
    [{ exposeBackend: "true", backendIngressPath: "/" }, /todo-app:backendIngressPath = "\/" is not valid/],
    [
      { exposeBackend: "true", backendIngressPath: "/api" },
      /todo-app:backendIngressPath = "\/api" is not valid: .*outside the frontend's own paths/,
    ],
    [
      { frontendNodePort: 30090 },
      /todo-app:frontendNodePort = "30090" is not valid: no value with ingressHost/,
    ],
    [
      { frontendAutoscaling: { minReplicas: 3, maxReplicas: 2 } },
      /todo-app:frontendAutoscaling.maxReplicas = "2"/,
    ],
    [
      { backendAutoscaling: { minReplicas: 0, maxReplicas: 2 } },
      /todo-app:backendAutoscaling.minReplicas = "0"/,
    ],
    [
      { backendAutoscaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilization: 150 } },
      /todo-app:backendAutoscaling.targetCPUUtilization = "150"/,
    ],
    [
      { frontendAutoscaling: { min: 1, maxReplicas: 2 } },
      /todo-app:frontendAutoscaling.min = "min" is not valid/,
    ],
  ])("%j fails the preview before any resource is registered", async (bad, message) => {
    const error = await runProgramError({ preview: true, config: { ...CLOUD_STACK, ...bad } });
    expect(error.message).toMatch(message);
    expect(error.message).toContain("nothing was deployed");
    expect(error.registered).toEqual([]);
  });
});

describe("local stacks stay as they were", () => {
  it.each([
    ["a default minikube stack", DEFAULT_STACK],
    ["the team's own app (exposed backend)", OWN_APP_STACK],
  ])("%s: content-tagged images, NodePorts, fixed replicas, no Ingress or HPA", async (_name, config) => {
    const run = await runProgram({ config: { ...config } });
    for (const name of ["backend", "frontend"]) {
      expect(container(run, name).image).toMatch(new RegExp(`^todo-${name}:c-[0-9a-f]{16}$`));
      // What npm run dev reads as the deployed tag (scripts/lib/dev/run.ts, tagOfReference).
      expect(tagOfReference(run.outputs[`${name}Image`] as string)).toBe(
        (container(run, name).image as string).split(":")[1],
      );
      expect(run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.replicas).toBe(2);
    }
    expect(run.one(SERVICE, "frontend-service").inputs.spec).toMatchObject({ type: "NodePort" });
    expect(run.byType(INGRESS)).toEqual([]);
    expect(run.byType(HPA)).toEqual([]);
    expect(run.outputs.frontendUrl).toBe("http://192.168.49.2:30080");
    expect(run.outputs.ingressAddress).toBeUndefined();
  });

  it("a registry stack without an Ingress keeps its NodePort, now with digest-pinned images", async () => {
    const run = await runProgram({ config: { ...REGISTRY_STACK } });
    expect(run.one(SERVICE, "frontend-service").inputs.spec.type).toBe("NodePort");
    expect(container(run, "backend").image).toMatch(/^ghcr\.io\/acme\/todo-backend@sha256:[0-9a-f]{64}$/);
  });
});
