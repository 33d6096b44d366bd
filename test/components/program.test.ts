/**
 * The whole program under the mock monitor: what a `pulumi up` of a default stack would create, and how the
 * pieces are wired. Assertions are on the inputs the program sends, never on values the mocks made up.
 */
import { beforeAll, describe, expect, it } from "vitest";

import {
  DATABASE_URL,
  ProgramRun,
  isSecretInput,
  runProgram,
  runProgramError,
  unwrap,
} from "../support/program";

const K8S_PROVIDER = /::pulumi:providers:kubernetes::k8s::/;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function container(run: ProgramRun, name: string) {
  const spec = run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec;
  return spec.template.spec.containers[0];
}

// The program's own defaults, as the team's repository gets them (this repository's Pulumi.yaml shares debug logs,
// a 180 s rollout timeout and the reference backend's /ready with its stacks).
describe("a default stack (only databaseUrl set)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: { databaseUrl: DATABASE_URL }, sharedValues: false });
  });

  it("creates one namespace, an environment, and a backend and a frontend with image, Deployment, Service and PDB", () => {
    const count = (type: string) => run.byType(type).length;
    expect(count("kubernetes:core/v1:NamespacePatch")).toBe(1);
    expect(count(SECRET)).toBe(1); // the backend's; the reference frontend reads no secret
    expect(count(CONFIG_MAP)).toBe(1);
    expect(count(DEPLOYMENT)).toBe(2);
    expect(count(SERVICE)).toBe(2);
    expect(count("kubernetes:policy/v1:PodDisruptionBudget")).toBe(2);
    expect(count("docker:index/image:Image")).toBe(2);
    expect(
      run
        .byType("todo:app:AppService")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["backend", "frontend"]);
  });

  it("puts every Kubernetes object in the stack's own namespace, todo-<stack>", () => {
    expect(run.one("kubernetes:core/v1:NamespacePatch").inputs.metadata.name).toBe("todo-dev");
    for (const r of run.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && !r.type.endsWith("NamespacePatch"),
    )) {
      expect(r.inputs.metadata.namespace, `${r.type} ${r.name}`).toBe("todo-dev");
    }
  });

  it("sends every Kubernetes object through the one explicit provider on the configured context", () => {
    const provider = run.one("pulumi:providers:kubernetes", "k8s");
    expect(provider.inputs.context).toBe("minikube");
    expect(provider.inputs.namespace).toBe("todo-dev");
    // Mutable Secrets/ConfigMaps would update in place and the pods would never see the change.
    expect(provider.inputs.enableSecretMutable).toBeUndefined();
    expect(provider.inputs.enableConfigMapMutable).toBeUndefined();
    const k8sResources = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8sResources.length).toBeGreaterThan(0);
    for (const r of k8sResources) {
      expect(r.provider, `${r.type} ${r.name}`).toMatch(K8S_PROVIDER);
    }
  });

  it("exposes the backend as ClusterIP Service todo-backend on 7860, so http://todo-backend:7860 resolves in-cluster", () => {
    const svc = run.one(SERVICE, "backend-service").inputs;
    expect(svc.metadata.name).toBe("todo-backend");
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 7860, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec.selector).toEqual(
      run.one(DEPLOYMENT, "backend-deployment").inputs.spec.selector.matchLabels,
    );
  });

  it("exposes the frontend as NodePort 30080 -> 3000", () => {
    const svc = run.one(SERVICE, "frontend-service").inputs;
    expect(svc.metadata.name).toBe("todo-frontend");
    expect(svc.spec.type).toBe("NodePort");
    expect(svc.spec.ports).toEqual([
      { name: "http", port: 3000, targetPort: "http", protocol: "TCP", nodePort: 30080 },
    ]);
  });

  it("runs two replicas of each service on its port", () => {
    for (const [name, port] of [
      ["backend", 7860],
      ["frontend", 3000],
    ] as const) {
      expect(run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.replicas).toBe(2);
      expect(container(run, name).ports).toEqual([{ name: "http", containerPort: port, protocol: "TCP" }]);
    }
  });

  it("probes the backend on /health by default (the documented contract), the frontend on /api/health", () => {
    const backend = container(run, "backend");
    expect(backend.startupProbe.httpGet.path).toBe("/health");
    expect(backend.livenessProbe.httpGet.path).toBe("/health");
    expect(backend.readinessProbe.httpGet.path).toBe("/health");
    const frontend = container(run, "frontend");
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      expect(frontend[probe].httpGet.path).toBe("/api/health");
      expect(frontend[probe].httpGet.port).toBe("http");
    }
  });

  it("builds each image from docker/<service>/Dockerfile and its app/<service> context, tagged by content", () => {
    for (const name of ["backend", "frontend"]) {
      const image = run.one("docker:index/image:Image", `${name}-image`).inputs;
      expect(image.build.context).toMatch(new RegExp(`/app/${name}$`));
      expect(image.build.dockerfile).toMatch(new RegExp(`/docker/${name}/Dockerfile$`));
      expect(image.imageName).toMatch(new RegExp(`^todo-${name}:c-[0-9a-f]{16}$`));
      expect(image.skipPush).toBe(true);
      expect(container(run, name).image).toBe(image.imageName);
      expect(container(run, name).imagePullPolicy).toBe("IfNotPresent");
    }
  });

  it("builds straight into minikube's Docker daemon, found with `minikube docker-env`", () => {
    // The profile's runtime first (a containerd profile has no Docker daemon to build in), then its daemon.
    expect(run.commands).toEqual([
      "minikube profile list -o json --light",
      "minikube -p minikube docker-env --shell none",
    ]);
    const docker = run.one("pulumi:providers:docker").inputs;
    expect(docker.host).toBe("tcp://192.168.49.2:2376");
    expect(docker.certPath).toBe("/home/dev/.minikube/certs");
    // Set for the provider's bridged half only: its native Configure pings the daemon anyway (pulumi-docker
    // provider/provider.go), which is why the scripts check the daemon before a preview (scripts/lib/daemon.ts).
    expect(String(docker.disableDockerDaemonCheck)).toBe("true");
    for (const image of run.byType("docker:index/image:Image")) {
      expect(image.provider).toMatch(/::pulumi:providers:docker::docker::/);
    }
  });

  it("keeps DATABASE_URL, BETTER_AUTH_SECRET in a Secret whose data is a Pulumi secret", () => {
    const secret = run.one(SECRET).inputs;
    expect(secret.type).toBe("Opaque");
    expect(secret.stringData).toBeUndefined();
    expect(isSecretInput(secret.data)).toBe(true);
    const data = unwrap<Record<string, string>>(secret.data);
    expect(Object.keys(data).sort()).toEqual(["BETTER_AUTH_SECRET", "DATABASE_URL"]);
    expect(Buffer.from(data.DATABASE_URL, "base64").toString()).toBe(DATABASE_URL);
    // Auto-named and immutable: a change of its data replaces it under a new name, and the pods roll.
    // pulumi-kubernetes forces a replacement on `.data` of an immutable Secret or ConfigMap whatever
    // enableSecretMutable/enableConfigMapMutable say (provider/pkg/provider/diff.go, forceNewProperties), and
    // deletes before replacing only an object with an explicit metadata.name (provider/pkg/provider/provider.go,
    // Diff: "deleteBeforeReplace := len(replaces) > 0 && metadata.IsNamed(...)"), so an auto-named one is
    // created anew before the old one goes.
    expect(secret.metadata.name).toBeUndefined();
    expect(secret.immutable).toBe(true);
  });

  it("generates BETTER_AUTH_SECRET with @pulumi/random when none is configured (48 characters, kept in state)", () => {
    const password = run.one("random:index/randomPassword:RandomPassword", "better-auth-secret").inputs;
    expect(password.length).toBeGreaterThanOrEqual(32);
  });

  it("puts BACKEND_URL, FRONTEND_URL and LOG_LEVEL in an auto-named ConfigMap", () => {
    const cm = run.one(CONFIG_MAP).inputs;
    expect(cm.data).toEqual({
      BACKEND_URL: "http://todo-backend:7860",
      FRONTEND_URL: "http://192.168.49.2:30080",
      LOG_LEVEL: "info",
    });
    expect(cm.metadata.name).toBeUndefined();
    expect(cm.immutable).toBe(true);
  });

  it("gives the backend every secret through secretKeyRef to a Secret of its own, never as a literal value", () => {
    const c = container(run, "backend");
    const byName = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    for (const key of ["DATABASE_URL", "BETTER_AUTH_SECRET", "COHERE_API_KEY"]) {
      expect(byName[key].value, key).toBeUndefined();
      expect(byName[key].valueFrom.secretKeyRef).toMatchObject({ name: "app-backend-secrets-autoname", key });
    }
    // Only the optional Cohere key may be missing from the Secret.
    expect(byName.COHERE_API_KEY.valueFrom.secretKeyRef.optional).toBe(true);
    expect(byName.DATABASE_URL.valueFrom.secretKeyRef.optional).toBeUndefined();
    expect(c.envFrom).toEqual([{ configMapRef: { name: "app-config-autoname" } }]);
  });

  it("gives the reference frontend no secret at all (it reads none), only the shared plain settings", () => {
    const c = container(run, "frontend");
    expect(c.env.filter((e: any) => e.valueFrom)).toEqual([]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: "app-config-autoname" } }]);
    expect(run.byType(SECRET).map((r) => r.name)).toEqual(["app-backend-secrets"]);
  });

  it("makes the frontend listen on every address, whatever HOSTNAME the runtime sets", () => {
    const env = container(run, "frontend").env;
    expect(env).toContainEqual({ name: "HOSTNAME", value: "0.0.0.0" });
    expect(container(run, "backend").env.map((e: any) => e.name)).not.toContain("HOSTNAME");
  });

  it("never passes a secret value as a container env value, a build arg or a label", () => {
    const secretValues = [DATABASE_URL, "s3cr3t-db-pass", "r".repeat(48)];
    for (const r of run.resources.filter((r) => r.type !== SECRET && !r.type.startsWith("random:"))) {
      const text = JSON.stringify(r.inputs);
      for (const value of secretValues) {
        expect(text.includes(value), `${r.type} ${r.name} contains a secret`).toBe(false);
      }
    }
  });

  it("lets only the frontend's pods reach the backend's port, through a NetworkPolicy", () => {
    const policy = run.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "backend-ingress").inputs;
    const backendPods = run.one(DEPLOYMENT, "backend-deployment").inputs.spec.selector.matchLabels;
    const frontendPodLabels = run.one(DEPLOYMENT, "frontend-deployment").inputs.spec.template.metadata.labels;
    expect(policy.spec.podSelector.matchLabels).toEqual(backendPods);
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    expect(rule.ports).toEqual([{ protocol: "TCP", port: 7860 }]);
    expect(rule.from).toHaveLength(1);
    // The allowed peer selects exactly the frontend's pods (its labels are a subset of theirs)...
    expect(frontendPodLabels).toMatchObject(rule.from[0].podSelector.matchLabels);
    // ...and not the backend's own.
    const backendPodLabels = run.one(DEPLOYMENT, "backend-deployment").inputs.spec.template.metadata.labels;
    expect(backendPodLabels).not.toMatchObject(rule.from[0].podSelector.matchLabels);
  });

  it("exports the namespace, a URL to open, the command that prints it, the in-cluster backend URL and the images", () => {
    expect(run.outputs).toMatchObject({
      namespace: "todo-dev",
      kubeContext: "minikube",
      buildTarget: "minikube",
      frontendUrlCommand: "minikube -p minikube service todo-frontend -n todo-dev --url",
      backendUrlInCluster: "http://todo-backend:7860",
    });
    expect(run.outputs.frontendUrl).toBe("http://192.168.49.2:30080");
    expect(run.outputs.backendImage).toMatch(/^todo-backend:c-[0-9a-f]{16}$/);
    expect(run.outputs.frontendImage).toMatch(/^todo-frontend:c-[0-9a-f]{16}$/);
    // None of these derives from a secret, so none is (or needs to be) secret.
    expect([...run.secretOutputs]).toEqual([]);
  });
});

describe("a kind stack with the app's options set", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({
      stack: "alice",
      config: {
        databaseUrl: DATABASE_URL,
        cohereApiKey: "co-key-123456",
        betterAuthSecret: "b".repeat(40),
        kubeContext: "kind-dev",
        namespace: "todo-alice",
        replicas: "3",
        logLevel: "debug",
        frontendNodePort: "0",
        frontendUrl: "https://todo.example.com",
        buildTarget: "docker",
        backendResources: { limits: { memory: "512Mi" } },
      },
    });
  });

  it("uses the configured secrets instead of generating one, and adds COHERE_API_KEY", () => {
    expect(run.byType("random:index/randomPassword:RandomPassword")).toEqual([]);
    const data = unwrap<Record<string, string>>(run.one(SECRET).inputs.data);
    expect(Object.keys(data).sort()).toEqual(["BETTER_AUTH_SECRET", "COHERE_API_KEY", "DATABASE_URL"]);
    expect(Buffer.from(data.COHERE_API_KEY, "base64").toString()).toBe("co-key-123456");
  });

  it("applies replicas, log level, namespace, context and resources", () => {
    expect(run.one(DEPLOYMENT, "backend-deployment").inputs.spec.replicas).toBe(3);
    expect(run.one(CONFIG_MAP).inputs.data).toMatchObject({
      LOG_LEVEL: "debug",
      FRONTEND_URL: "https://todo.example.com",
    });
    expect(run.one("pulumi:providers:kubernetes").inputs.context).toBe("kind-dev");
    expect(run.one("kubernetes:core/v1:NamespacePatch").inputs.metadata.name).toBe("todo-alice");
    expect(container(run, "backend").resources.limits.memory).toBe("512Mi");
  });

  it("exports the configured public URL as the URL to open", () => {
    expect(run.outputs.frontendUrl).toBe("https://todo.example.com");
  });

  it("lets Kubernetes pick the NodePort when frontendNodePort is 0", () => {
    const port = run.one(SERVICE, "frontend-service").inputs.spec.ports[0];
    expect(port.nodePort).toBeUndefined();
  });

  it("builds with the local daemon and loads the images into the kind cluster, without asking minikube", () => {
    // How each image is loaded depends on Docker's image store: test/components/imageDelivery.test.ts.
    expect(run.commands).toEqual(["docker info --format {{json .DriverStatus}}"]);
    expect(run.one("pulumi:providers:docker").inputs.host).toBeUndefined();
    const loads = run.byType("command:local:Command");
    expect(loads.map((c) => [c.name, c.inputs.environment.TODO_KIND_CLUSTER]).sort()).toEqual([
      ["backend-kind-load", "dev"],
      ["frontend-kind-load", "dev"],
    ]);
    expect(run.outputs.frontendUrlCommand).toBe(
      "kubectl --context kind-dev -n todo-alice port-forward svc/todo-frontend 3000:3000",
    );
  });
});

describe("two stacks on one cluster", () => {
  it("get different namespaces by default", async () => {
    const a = await runProgram({ stack: "alice", config: { databaseUrl: DATABASE_URL } });
    const b = await runProgram({
      stack: "bob",
      config: { databaseUrl: DATABASE_URL, frontendNodePort: "0" },
    });
    expect(a.outputs.namespace).toBe("todo-alice");
    expect(b.outputs.namespace).toBe("todo-bob");
  });
});

describe("bad input", () => {
  it.each([
    [{ namespace: "Not_A_Label" }, /todo-app:namespace = "Not_A_Label"/],
    [{ replicas: "0" }, /todo-app:replicas = "0"/],
    [{ frontendNodePort: "8080" }, /todo-app:frontendNodePort = "8080"/],
    [{ logLevel: "trace" }, /todo-app:logLevel = "trace"/],
    [
      { databaseUrl: "mysql://u:p@h/db" },
      /todo-app:databaseUrl \(mysql:\/\/h; the value is not shown\) is not valid \(its scheme is "mysql:"\)/,
    ],
    [{ kubeContext: "" }, /todo-app:kubeContext = ""/],
  ])("%j fails the preview before any resource is registered", async (bad, message) => {
    const error = await runProgramError({ preview: true, config: { databaseUrl: DATABASE_URL, ...bad } });
    expect(error.message).toMatch(message);
    expect(error.message).toContain("nothing was deployed");
    expect(error.registered).toEqual([]);
  });
});

describe("preview", () => {
  it("registers the same graph as an update, without building images on preview", async () => {
    const run = await runProgram({ preview: true, config: { databaseUrl: DATABASE_URL } });
    expect(run.byType(DEPLOYMENT)).toHaveLength(2);
    for (const image of run.byType("docker:index/image:Image")) {
      expect(image.inputs.buildOnPreview ?? false).toBe(false);
    }
  });
});
