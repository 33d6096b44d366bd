/**
 * The real thing, through the Automation API: a throwaway stack (unique name, file backend in a temp folder,
 * passphrase provider with a generated passphrase) is deployed to a real cluster, checked end to end, changed,
 * checked again, and destroyed. Where the CLI, kubectl or a cluster is missing it prints `SKIP: <what>` and
 * skips; with TODO_IT_REQUIRE_CLUSTER=1 (the deploy workflow) a missing piece fails instead.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BACKEND, FRONTEND } from "../../catalog";
import { fileBackendUrl } from "../../scripts/lib/backend";
import {
  DEFAULT_BACKEND_URL,
  type Kubectl,
  type PodGeneration,
  backendHealth,
  kubectl,
  podGeneration,
  podsRolled,
  pollHealth,
  rolloutStatus,
} from "../../scripts/lib/health";
import { npmPackageVersion, withoutNodeModulesBins } from "../../scripts/lib/prerequisites";
import { captureRunner, liveRunner } from "../../host/process";
import {
  compareClusterIdentity,
  liveClusterIdentity,
  prepareForCluster,
} from "../../scripts/lib/clusterIdentity";
import { openStack, pulumiCommandFor } from "../../scripts/lib/workspace";
import { integrationSetup } from "./prerequisites";

const repoRoot = path.resolve(__dirname, "..", "..");

// `npm run` puts node_modules/.bin first on PATH; the Pulumi CLI on PATH must be the user's own (see scripts/lib/session.ts).
process.env.PATH = withoutNodeModulesBins(process.env.PATH ?? "");

// Probed once, synchronously, so the skip is decided when the suite is collected. A first run through the
// pulumi npm package downloads the CLI here.
const setup = integrationSetup(captureRunner(15 * 60_000), {
  projectDir: repoRoot,
  env: process.env,
  homedir: os.homedir(),
  platform: process.platform,
  exists: (file) => fs.existsSync(file),
  npmPackageVersion: npmPackageVersion(repoRoot),
});
for (const what of setup.missing) {
  console.log(`SKIP: ${what}`);
}

if (process.env.TODO_IT_REQUIRE_CLUSTER === "1" && setup.missing.length > 0) {
  describe("integration prerequisites", () => {
    it("are all present, as TODO_IT_REQUIRE_CLUSTER=1 demands", () => {
      expect(setup.missing).toEqual([]);
    });
  });
}

describe.skipIf(setup.missing.length > 0)(`the Todo app on kube context "${setup.kubeContext}"`, () => {
  const stackName = `it-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const run = captureRunner(60_000);
  const waiting = captureRunner(6 * 60_000);
  const k = setup.kubectl as Kubectl;
  let stateDir = "";
  let stack: Stack | undefined;
  let namespace = "";
  let frontendUrl = "";
  let backendUrl = DEFAULT_BACKEND_URL;
  const log = (line: string) => console.log(line);
  const onOutput = (out: string) => process.stdout.write(out);

  const outputsOf = (outputs: Record<string, { value: unknown }>) => {
    const text = (key: string) => {
      const value = outputs[key]?.value;
      return typeof value === "string" ? value : "";
    };
    namespace = text("namespace");
    frontendUrl = text("frontendUrl");
    backendUrl =
      typeof outputs.backendUrlInCluster?.value === "string" ? outputs.backendUrlInCluster.value : backendUrl;
  };

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-it-state-"));
    // The program runs its own PostgreSQL unless TODO_IT_DATABASE_URL names an external one.
    const databaseUrl = process.env.TODO_IT_DATABASE_URL || undefined;

    stack = await openStack({
      stackName,
      workDir: repoRoot,
      envVars: {
        PULUMI_BACKEND_URL: fileBackendUrl(stateDir),
        PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"),
        PULUMI_CONFIG_PASSPHRASE_FILE: "",
      },
      pulumiCommand: await pulumiCommandFor(setup.location!),
    });
    await stack.setAllConfig({
      "todo-app:kubeContext": { value: setup.kubeContext },
      ...(setup.kubeconfig ? { "todo-app:kubeconfig": { value: setup.kubeconfig } } : {}),
      // Kubernetes picks the NodePort, so this stack never collides with one already on the cluster.
      "todo-app:frontendNodePort": { value: "0" },
      "todo-app:replicas": { value: "1" },
      "todo-app:logLevel": { value: "info" },
      ...(databaseUrl ? { "todo-app:databaseUrl": { value: databaseUrl, secret: true } } : {}),
    });
  });

  afterAll(async () => {
    try {
      if (stack) {
        await stack.destroy({ onOutput });
        await stack.workspace.removeStack(stackName);
      }
    } finally {
      // `pulumi destroy` keeps the namespace (and the database claim in it) on purpose; a throwaway stack's go.
      kubectl(k, waiting, ["delete", "namespace", `todo-${stackName}`, "--wait=false"]);
      fs.rmSync(path.join(repoRoot, `Pulumi.${stackName}.yaml`), { force: true });
      if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("deploys with pulumi up", async () => {
    const result = await stack!.up({ onOutput });
    expect(result.summary.result).toBe("succeeded");
    outputsOf(result.outputs);
    expect(namespace).toBe(`todo-${stackName}`);
    expect(frontendUrl).toMatch(/^http:\/\/[^/]+:\d+$/);
  });

  it("makes both Deployments available", () => {
    for (const deployment of [BACKEND.serviceName, FRONTEND.serviceName]) {
      const result = rolloutStatus(k, waiting, namespace, deployment, 300);
      expect(result.detail, deployment).toBe("all replicas available");
    }
  });

  it("serves the frontend's /api/health through the NodePort the stack printed", async () => {
    const result = await pollHealth("frontend /api/health", `${frontendUrl}/api/health`, {
      fetch: (url, init) => fetch(url, init),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log,
    });
    expect(result.detail).toContain("answered 200");
  });

  it("serves the backend's /health to the frontend pods", () => {
    const result = backendHealth(k, run, namespace, backendUrl);
    expect(result.detail).toMatch(/: 200 /);
  });

  it("rolls both services' pods when logLevel changes, and stays healthy", async () => {
    const before: Record<string, PodGeneration> = {};
    for (const deployment of [BACKEND.serviceName, FRONTEND.serviceName]) {
      before[deployment] = podGeneration(k, run, namespace, deployment);
    }
    await stack!.setConfig("todo-app:logLevel", { value: "debug" });
    const result = await stack!.up({ onOutput });
    expect(result.summary.result).toBe("succeeded");
    outputsOf(result.outputs);
    for (const deployment of [BACKEND.serviceName, FRONTEND.serviceName]) {
      expect(rolloutStatus(k, waiting, namespace, deployment, 300).verdict, deployment).toBe("PASS");
      const after = podGeneration(k, run, namespace, deployment);
      expect(
        podsRolled(before[deployment], after),
        `${deployment}: ${JSON.stringify({ before: before[deployment], after })}`,
      ).toBe(true);
    }
    expect(backendHealth(k, run, namespace, backendUrl).verdict).toBe("PASS");
  });

  // Opt-in (TODO_IT_RECREATE_CLUSTER=1, set by the deploy workflow): it deletes and recreates the minikube
  // profile of the stack's context, as `minikube delete && minikube start` would, then runs the same
  // preparation `npm run up` runs and checks the app comes back on the new cluster.
  it.skipIf(process.env.TODO_IT_RECREATE_CLUSTER !== "1")(
    "notices a recreated cluster and rebuilds and redeploys everything",
    async () => {
      const profile = setup.kubeContext;
      const first = await prepareForCluster(stack!, k, run, log);
      expect(first).toBeUndefined();
      const recorded = (await stack!.up({ onOutput })).outputs.clusterIdentity?.value;
      expect(recorded).toBe(liveClusterIdentity(k, run));

      const live = liveRunner();
      expect(live("minikube", ["delete", "-p", profile]).status).toBe(0);
      expect(live("minikube", ["start", "-p", profile, "--container-runtime=docker"]).status).toBe(0);
      expect(compareClusterIdentity(recorded, liveClusterIdentity(k, run)).kind).toBe("new");

      const replace = await prepareForCluster(stack!, k, run, log);
      expect(replace?.length).toBeGreaterThan(0);
      const result = await stack!.up({ onOutput, replace });
      expect(result.summary.result).toBe("succeeded");
      outputsOf(result.outputs);
      for (const deployment of [BACKEND.serviceName, FRONTEND.serviceName]) {
        expect(rolloutStatus(k, waiting, namespace, deployment, 300).verdict, deployment).toBe("PASS");
      }
      expect(backendHealth(k, run, namespace, backendUrl).verdict).toBe("PASS");
    },
    30 * 60_000,
  );
});
