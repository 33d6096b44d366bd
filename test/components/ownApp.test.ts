/**
 * The team's own app deployed by configuration alone (test/fixtures/own-app, of their repository's shape):
 * build args reach the image, extra env reaches the pods, each secret reaches only the services that read it,
 * and the NetworkPolicies follow: a service given DATABASE_URL may reach the database, an exposed backend
 * accepts traffic from outside.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { type ProgramRun, isSecretInput, runProgram, unwrap } from "../support/program";
import { OWN_APP_REPO, OWN_APP_STACK } from "../support/stacks";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SECRET = "kubernetes:core/v1:Secret";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const container = (run: ProgramRun, name: string) =>
  run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.template.spec.containers[0];
const envOf = (run: ProgramRun, name: string) =>
  Object.fromEntries(container(run, name).env.map((e: any) => [e.name, e]));
const podLabels = (run: ProgramRun, name: string) =>
  run.one(DEPLOYMENT, `${name}-deployment`).inputs.spec.template.metadata.labels;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("the team's own app", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: { ...OWN_APP_STACK } });
  });

  it("builds both images from the repository root with their own Dockerfiles", () => {
    for (const name of ["backend", "frontend"]) {
      const build = run.one("docker:index/image:Image", `${name}-image`).inputs.build;
      expect(build.context).toBe(OWN_APP_REPO);
      expect(build.dockerfile).toBe(`${OWN_APP_REPO}/phase4/docker/${name}/Dockerfile`);
    }
  });

  it("passes the frontend's build args with {backendPublicUrl} resolved, and NEXT_PUBLIC_ENV beside them", () => {
    const args = run.one("docker:index/image:Image", "frontend-image").inputs.build.args;
    expect(args.NEXT_PUBLIC_API_URL).toBe("http://192.168.49.2:30081");
    expect(args.NEXT_PUBLIC_ENV).toBe("NEXT_PUBLIC_API_URL=http://192.168.49.2:30081");
  });

  it("gives each pod its extra plain env as literal values", () => {
    expect(envOf(run, "frontend").BETTER_AUTH_URL).toEqual({
      name: "BETTER_AUTH_URL",
      value: "http://192.168.49.2:30080",
    });
    expect(envOf(run, "backend").CORS_ORIGINS).toEqual({
      name: "CORS_ORIGINS",
      value: "http://192.168.49.2:30080",
    });
    expect(envOf(run, "backend").BETTER_AUTH_URL).toBeUndefined();
  });

  it("gives each service a Secret holding exactly the secrets it reads", () => {
    const keysOf = (name: string) =>
      Object.keys(unwrap<Record<string, string>>(run.one(SECRET, `app-${name}-secrets`).inputs.data)).sort();
    expect(keysOf("backend")).toEqual(["BETTER_AUTH_SECRET", "DATABASE_URL"]);
    expect(keysOf("frontend")).toEqual(["BETTER_AUTH_SECRET", "DATABASE_URL"]);
    for (const name of ["backend", "frontend"]) {
      expect(isSecretInput(run.one(SECRET, `app-${name}-secrets`).inputs.data)).toBe(true);
    }
    const frontend = envOf(run, "frontend");
    expect(frontend.DATABASE_URL.valueFrom.secretKeyRef.name).toBe("app-frontend-secrets-autoname");
    expect(frontend.COHERE_API_KEY).toBeUndefined();
    // The backend still lists the optional Cohere key (absent from its Secret, so marked optional).
    expect(envOf(run, "backend").COHERE_API_KEY.valueFrom.secretKeyRef.optional).toBe(true);
  });

  it("lets every service given DATABASE_URL, and only those, reach the in-cluster database", () => {
    const policy = run.one(POLICY, "database-ingress").inputs.spec;
    const peers = policy.ingress[0].from.map((p: any) => p.podSelector.matchLabels);
    expect(peers.some((p: any) => matches(p, podLabels(run, "frontend")))).toBe(true);
    expect(peers.some((p: any) => matches(p, podLabels(run, "backend")))).toBe(true);
    expect(policy.ingress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
  });

  it("exposes the backend on its NodePort and admits outside traffic to its port", () => {
    const service = run.one("kubernetes:core/v1:Service", "backend-service").inputs.spec;
    expect(service.type).toBe("NodePort");
    expect(service.ports[0].nodePort).toBe(30081);
    const policy = run.one(POLICY, "backend-ingress").inputs.spec;
    expect(policy.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 7860 }] }]);
    expect(run.outputs.backendPublicUrl).toBe("http://192.168.49.2:30081");
  });
});

describe("the reference app's defaults", () => {
  it("keep the backend ClusterIP, reachable only from frontend pods, and the database only from the backend", async () => {
    const run = await runProgram({});
    expect(run.one("kubernetes:core/v1:Service", "backend-service").inputs.spec.type).toBe("ClusterIP");
    const backendPolicy = run.one(POLICY, "backend-ingress").inputs.spec;
    expect(backendPolicy.ingress).toHaveLength(1);
    expect(
      matches(backendPolicy.ingress[0].from[0].podSelector.matchLabels, podLabels(run, "frontend")),
    ).toBe(true);
    const dbPeers = run.one(POLICY, "database-ingress").inputs.spec.ingress[0].from;
    expect(dbPeers).toHaveLength(1);
    expect(matches(dbPeers[0].podSelector.matchLabels, podLabels(run, "backend"))).toBe(true);
    expect(matches(dbPeers[0].podSelector.matchLabels, podLabels(run, "frontend"))).toBe(false);
    expect(run.outputs.backendPublicUrl).toBeUndefined();
  });

  it("rolls only the backend when a secret only the backend reads changes", async () => {
    const before = await runProgram({ config: { cohereApiKey: "co-one" } });
    const after = await runProgram({ config: { cohereApiKey: "co-two" } });
    const data = (r: ProgramRun, name: string) =>
      JSON.stringify(r.byType(SECRET).find((s) => s.name === name)?.inputs);
    expect(data(before, "app-backend-secrets")).not.toEqual(data(after, "app-backend-secrets"));
    // The frontend has no Secret to change, so its pod template is the same.
    expect(JSON.stringify(before.one(DEPLOYMENT, "frontend-deployment").inputs.spec.template)).toEqual(
      JSON.stringify(after.one(DEPLOYMENT, "frontend-deployment").inputs.spec.template),
    );
  });
});

describe("what an image should not read", () => {
  it("is named at preview with the line to add to the ignore file, never its content", async () => {
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const { vi } = await import("vitest");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-warn-"));
    fs.cpSync(path.join(OWN_APP_REPO, "phase2/backend"), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, ".env"), "DATABASE_URL=sentinel-secret-value\n");
    const written: string[] = [];
    // Under the mock monitor the SDK's log.warn falls back to the console.
    const record = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    const spies = (["error", "warn", "log"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(record),
    );
    try {
      await runProgram({ preview: true, config: { backendContext: dir } });
    } finally {
      spies.forEach((spy) => spy.mockRestore());
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const text = written.join("");
    expect(text).toMatch(/todo-backend image: .*"\.env".*Add the line "\.env"/);
    expect(text).not.toContain("sentinel-secret-value");
  });
});
