/**
 * The database: PostgreSQL in the cluster when no databaseUrl is set (restricted, retained, reachable only
 * from the backend, its password and URL secret end to end), nothing at all when one is set, and a guard
 * that refuses a change which would start it on a new, empty volume.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { volumeChangeProblem } from "../../guards/databaseVolume";
import { PGDATA, VolumeIdentity, claimTemplateName, databaseUrl } from "../../k8s/postgres";
import { DATABASE_URL, ProgramRun, isSecretInput, runProgram, unwrap } from "../support/program";

const STS = "kubernetes:apps/v1:StatefulSet";

describe("a stack with no configuration at all", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: {} });
  });

  it("previews a complete app with its database", () => {
    expect(run.errors).toEqual([]);
    expect(run.byType("kubernetes:apps/v1:Deployment")).toHaveLength(2);
    expect(run.byType(STS)).toHaveLength(1);
    expect(run.outputs.databaseMode).toBe("in-cluster");
  });

  it("runs one replica of the pinned official image behind a headless Service todo-postgres:5432", () => {
    const sts = run.one(STS).inputs;
    expect(sts.metadata.name).toBe("todo-postgres");
    expect(sts.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("16.6-bookworm");
    expect(sts.spec.selector.matchLabels["app.kubernetes.io/version"]).toBeUndefined();
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe("todo-postgres");
    expect(sts.spec.template.spec.containers[0].image).toBe("postgres:16.6-bookworm");
    const svc = run.one("kubernetes:core/v1:Service", "database-service").inputs;
    expect(svc.metadata.name).toBe("todo-postgres");
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.ports[0].port).toBe(5432);
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
  });

  it("keeps its data on a claim that outlives the StatefulSet (deletion, replacement, scale-down)", () => {
    const sts = run.one(STS).inputs.spec;
    expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    const [claim] = sts.volumeClaimTemplates;
    expect(claim.spec.accessModes).toEqual(["ReadWriteOnce"]);
    expect(claim.spec.resources.requests.storage).toBe("1Gi");
    // Unset: the cluster's default class (minikube's `standard`).
    expect(claim.spec.storageClassName).toBeUndefined();
    const container = sts.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({
      name: claim.metadata.name,
      mountPath: "/var/lib/postgresql/data",
    });
    expect(container.env).toContainEqual({ name: "PGDATA", value: PGDATA });
    expect(run.outputs.databaseClaim).toBe(`${claim.metadata.name}-todo-postgres-0`);
  });

  it("keeps the namespace, and so the claim, when the stack is destroyed", () => {
    const ns = run.one("kubernetes:core/v1:NamespacePatch");
    expect(ns.inputs.metadata.name).toBe("todo-dev");
    expect(ns.opts?.retainOnDelete).toBe(true);
    expect(run.byType("kubernetes:core/v1:Namespace")).toEqual([]);
  });

  it("meets the restricted profile with a numeric non-root UID and a writable data directory via fsGroup", () => {
    const pod = run.one(STS).inputs.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(
      expect.arrayContaining(["/var/run/postgresql", "/tmp"]),
    );
    expect(Object.keys(c.resources.limits).sort()).toEqual(["cpu", "memory"]);
  });

  it("probes with pg_isready over TCP, readiness quicker to act than liveness", () => {
    const c = run.one(STS).inputs.spec.template.spec.containers[0];
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(c[probe].exec.command.slice(0, 3)).toEqual(["pg_isready", "-h", "127.0.0.1"]);
    }
    expect(c.readinessProbe).not.toEqual(c.livenessProbe);
    expect(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold).toBeLessThan(
      c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold,
    );
  });

  it("generates its password with @pulumi/random and keeps it in a Secret read through secretKeyRef", () => {
    expect(run.one("random:index/randomPassword:RandomPassword", "database-password").inputs.length).toBe(32);
    const credentials = run.one("kubernetes:core/v1:Secret", "database-credentials").inputs;
    expect(isSecretInput(credentials.data)).toBe(true);
    expect(credentials.immutable).toBe(true);
    const env = run.one(STS).inputs.spec.template.spec.containers[0].env;
    const password = env.find((e: any) => e.name === "POSTGRES_PASSWORD");
    expect(password.value).toBeUndefined();
    expect(password.valueFrom.secretKeyRef).toEqual({
      name: "database-credentials-autoname",
      key: "POSTGRES_PASSWORD",
    });
  });

  it("re-applies the Secret's password on every start, from the environment, so a retained volume stays usable", () => {
    const c = run.one(STS).inputs.spec.template.spec.containers[0];
    const script = c.lifecycle.postStart.exec.command.join(" ");
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    // The SQL is a constant in the container's env, piped to psql; the script itself holds no SQL or secret.
    expect(script).toContain("printf '%s\\n' \"$RECONCILE_SQL\" | psql");
    const sql: string = env.RECONCILE_SQL.value;
    expect(sql).toContain("ALTER ROLE :\"role\" PASSWORD :'pw';");
    // Read by psql from the environment: never on a command line, never in the server log, never literal.
    expect(sql).toContain("\\getenv pw POSTGRES_PASSWORD");
    expect(sql).toContain("\\getenv apppw APP_PASSWORD");
    expect(script + sql).not.toMatch(/-v pw=|-v apppw=|\$POSTGRES_PASSWORD|\$APP_PASSWORD/);
    expect(sql).toContain("SET log_min_error_statement = 'panic'");
    expect(script + sql).not.toContain("r".repeat(32));
    expect(env.APP_PASSWORD.valueFrom.secretKeyRef.key).toBe("APP_PASSWORD");
    // Waits for the real server (TCP), not the socket-only server of first initialisation, and never fails.
    expect(script).toMatch(/pg_isready -q -h 127\.0\.0\.1/);
    expect(script.trim().endsWith("exit 0")).toBe(true);
  });

  it("composes DATABASE_URL for the app's own role (not the superuser) from its generated password, as a Pulumi secret", () => {
    const data = run.one("kubernetes:core/v1:Secret", "app-backend-secrets").inputs.data;
    expect(isSecretInput(data)).toBe(true);
    const url = Buffer.from(unwrap<Record<string, string>>(data).DATABASE_URL, "base64").toString();
    expect(url).toBe(`postgresql://todo_app:${"r".repeat(32)}@todo-postgres:5432/todo`);
    // The superuser's password stays in the database's own Secret.
    expect(Object.keys(unwrap<Record<string, string>>(data))).not.toContain("POSTGRES_PASSWORD");
    expect(run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name)).toContain(
      "database-app-password",
    );
  });

  it("lets only the backend's pods reach port 5432", () => {
    const policy = run.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "database-ingress").inputs;
    const backendLabels = run.one("kubernetes:apps/v1:Deployment", "backend-deployment").inputs.spec.template
      .metadata.labels;
    const frontendLabels = run.one("kubernetes:apps/v1:Deployment", "frontend-deployment").inputs.spec
      .template.metadata.labels;
    expect(policy.spec.podSelector.matchLabels).toEqual(run.one(STS).inputs.spec.selector.matchLabels);
    const allowed = policy.spec.ingress[0].from[0].podSelector.matchLabels;
    expect(backendLabels).toMatchObject(allowed);
    expect(frontendLabels).not.toMatchObject(allowed);
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
  });

  it("exports the volume identity the next update checks against", () => {
    expect(run.outputs.databaseVolume).toEqual({ namespace: "todo-dev", storageClass: "", size: "1Gi" });
  });
});

describe("a stack with databaseUrl set", () => {
  it("creates nothing database-related", async () => {
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    expect(run.byType(STS)).toEqual([]);
    expect(run.byType("pulumi:pulumi:StackReference")).toEqual([]);
    expect(run.resources.filter((r) => r.name.startsWith("database"))).toEqual([]);
    expect(
      run
        .byType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => r.name)
        .filter((n) => n.startsWith("database")),
    ).toEqual([]);
    expect(run.outputs.databaseMode).toBe("external");
    expect(run.outputs.databaseClaim).toBeUndefined();
  });
});

describe("storage settings", () => {
  it("uses the configured size and class", async () => {
    const run = await runProgram({
      config: { postgresStorageSize: "5Gi", postgresStorageClass: "fast-ssd" },
    });
    const [claim] = run.one(STS).inputs.spec.volumeClaimTemplates;
    expect(claim.spec.resources.requests.storage).toBe("5Gi");
    expect(claim.spec.storageClassName).toBe("fast-ssd");
  });
});

describe("a change that would move the database to a new volume", () => {
  const previous = { databaseVolume: { namespace: "todo-dev", storageClass: "", size: "1Gi" } };

  it("is refused, and no Kubernetes object is created, changed or deleted", async () => {
    const run = await runProgram({
      config: { postgresStorageSize: "2Gi" },
      previousOutputs: previous,
      outputTimeoutMs: 1500,
    });
    expect(run.errors.join("\n")).toMatch(
      /new, empty volume \(size "1Gi" -> "2Gi"\).*allowDatabaseReplacement/s,
    );
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
    expect(run.byType("pulumi:providers:kubernetes")).toEqual([]);
  });

  it("goes ahead when the user opts in", async () => {
    const run = await runProgram({
      config: { postgresStorageSize: "2Gi", allowDatabaseReplacement: "true" },
      previousOutputs: previous,
    });
    expect(run.errors).toEqual([]);
    expect(run.byType(STS)).toHaveLength(1);
  });

  it("is not triggered by an unchanged volume (other database settings may change freely)", async () => {
    const run = await runProgram({
      config: {
        postgresImage: "postgres:16.7-bookworm",
        postgresResources: { limits: { memory: "1Gi" } },
      },
      previousOutputs: previous,
    });
    expect(run.errors).toEqual([]);
    expect(run.one(STS).inputs.spec.template.spec.containers[0].image).toBe("postgres:16.7-bookworm");
  });
});

describe("a database image upgrade", () => {
  // pulumi-kubernetes forces a replacement of a StatefulSet on any change of .spec.volumeClaimTemplates,
  // .spec.serviceName, .spec.selector or .spec.podManagementPolicy (pulumi/pulumi-kubernetes
  // provider/pkg/provider/diff.go, `var statefulSet` in the forceNew table); everything else, the pod template
  // included, is an in-place update, which the RollingUpdate strategy rolls onto the same claim.
  const FORCE_NEW = [
    "volumeClaimTemplates",
    "serviceName",
    "selector",
    "podManagementPolicy",
    "revisionHistoryLimit",
  ];

  it("(a minor version) changes only the pod template, so the StatefulSet rolls in place and keeps its claim", async () => {
    const before = await runProgram({ config: { postgresImage: "postgres:16.6-bookworm" } });
    const after = await runProgram({ config: { postgresImage: "postgres:16.8-bookworm" } });
    const spec = (run: ProgramRun) => run.one(STS).inputs.spec;
    for (const field of FORCE_NEW) {
      expect(JSON.stringify(spec(after)[field]), field).toEqual(JSON.stringify(spec(before)[field]));
    }
    expect(spec(before).template.spec.containers[0].image).toBe("postgres:16.6-bookworm");
    expect(spec(after).template.spec.containers[0].image).toBe("postgres:16.8-bookworm");
    expect(spec(after).updateStrategy).toEqual({ type: "RollingUpdate" });
    expect(spec(after).persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    // The version label stays on the StatefulSet and its pods, where a change is harmless.
    expect(spec(after).template.metadata.labels["app.kubernetes.io/version"]).toBe("16.8-bookworm");
    expect(spec(after).volumeClaimTemplates[0].metadata.labels["app.kubernetes.io/version"]).toBeUndefined();
  });
});

describe("volume identity", () => {
  const base: VolumeIdentity = { namespace: "todo-dev", storageClass: "", size: "1Gi" };

  it("names the claim after the identity, so only a new identity can get a new claim", () => {
    expect(claimTemplateName(base)).toMatch(/^data-[0-9a-f]{8}$/);
    expect(claimTemplateName({ ...base })).toBe(claimTemplateName(base));
    expect(claimTemplateName({ ...base, size: "2Gi" })).not.toBe(claimTemplateName(base));
    expect(claimTemplateName({ ...base, storageClass: "fast" })).not.toBe(claimTemplateName(base));
    expect(claimTemplateName({ ...base, namespace: "todo-prod" })).not.toBe(claimTemplateName(base));
  });

  it("allows the first update, an unchanged volume, and an opted-in change", () => {
    expect(volumeChangeProblem(undefined, base, false)).toBeUndefined();
    expect(volumeChangeProblem(base, { ...base }, false)).toBeUndefined();
    expect(volumeChangeProblem(base, { ...base, size: "2Gi" }, true)).toBeUndefined();
  });

  it("refuses a new namespace, class or size, naming each change", () => {
    const problem = volumeChangeProblem(
      base,
      { namespace: "todo-x", storageClass: "fast", size: "2Gi" },
      false,
    );
    expect(problem).toContain('namespace "todo-dev" -> "todo-x"');
    expect(problem).toContain('storageClass "" -> "fast"');
    expect(problem).toContain('size "1Gi" -> "2Gi"');
    expect(problem).toContain("pg_dump");
  });
});

describe("databaseUrl", () => {
  it("URL-encodes the password", () => {
    expect(databaseUrl("a/b@c")).toBe("postgresql://todo_app:a%2Fb%40c@todo-postgres:5432/todo");
  });
});
