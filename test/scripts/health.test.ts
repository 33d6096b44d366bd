/** The post-deploy checks: frontend health through the printed URL, backend health from inside a frontend pod. */
import { execFile } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { CommandResult } from "../../host/process";
import {
  IN_POD_FETCH,
  backendHealth,
  backendHealthArgs,
  deploymentSelector,
  findKubectl,
  livePods,
  parseInPodFetch,
  podsRolled,
  pollHealth,
  rolloutStatus,
  summarize,
  type FetchLike,
} from "../../scripts/lib/health";
import { fails, machine, ok } from "./stubs";

/** A fetch that answers from a script of responses, one per call; an Error entry is a network failure. */
function scripted(responses: (Error | { status: number; body: string })[]): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  const fetch = ((url: string) => {
    urls.push(url);
    const next = responses[Math.min(urls.length - 1, responses.length - 1)];
    if (next instanceof Error) {
      return Promise.reject(next);
    }
    return Promise.resolve({ status: next.status, text: () => Promise.resolve(next.body) });
  }) as FetchLike & { urls: string[] };
  fetch.urls = urls;
  return fetch;
}

describe("pollHealth", () => {
  it("retries while the NodePort is not answering yet and passes on the first healthy answer", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), {
      cause: new Error("connect ECONNREFUSED"),
    });
    const fetch = scripted([
      refused,
      { status: 503, body: "starting" },
      { status: 200, body: '{"status":"healthy"}' },
    ]);
    const sleeps: number[] = [];
    const result = await pollHealth("frontend", "http://192.168.49.2:30080/api/health", {
      fetch,
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
    });
    expect(result.verdict).toBe("PASS");
    expect(result.detail).toContain("(attempt 3)");
    expect(sleeps).toEqual([2000, 2000]);
    expect(fetch.urls).toEqual(Array(3).fill("http://192.168.49.2:30080/api/health"));
  });

  it("fails after the bound with the last answer, without sleeping after the final try", async () => {
    const sleeps: number[] = [];
    const result = await pollHealth("frontend", "http://localhost:30080/api/health", {
      fetch: scripted([{ status: 502, body: "Bad Gateway" }]),
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
      attempts: 4,
      intervalMs: 10,
    });
    expect(result).toEqual({
      name: "frontend",
      verdict: "FAIL",
      detail: "http://localhost:30080/api/health not healthy after 4 attempts; last: HTTP 502 Bad Gateway",
    });
    expect(sleeps).toHaveLength(3);
  });

  it("does not accept a 200 whose body is not healthy", async () => {
    const result = await pollHealth("frontend", "http://x/api/health", {
      fetch: scripted([{ status: 200, body: '{"status":"degraded"}' }]),
      sleep: () => Promise.resolve(),
      attempts: 2,
    });
    expect(result.verdict).toBe("FAIL");
  });
});

describe("kubectl", () => {
  it("always names the stack's context (and kubeconfig), never the current-context", () => {
    const run = machine({ "kubectl version --client": ok("Client Version: v1.32.4") });
    expect(findKubectl(run, { kubeContext: "minikube" })).toEqual({
      command: "kubectl",
      baseArgs: ["--context", "minikube"],
    });
    expect(findKubectl(run, { kubeContext: "kind-dev", kubeconfig: "/k.yaml" })?.baseArgs).toEqual([
      "--context",
      "kind-dev",
      "--kubeconfig",
      "/k.yaml",
    ]);
  });

  it("uses minikube's bundled kubectl for a minikube stack when kubectl is not installed", () => {
    expect(findKubectl(machine({}), { kubeContext: "minikube", minikubeProfile: "minikube" })).toEqual({
      command: "minikube",
      baseArgs: ["-p", "minikube", "kubectl", "--", "--context", "minikube"],
    });
  });

  it("has no kubectl for another cluster when none is installed, so its checks are skipped", () => {
    expect(findKubectl(machine({}), { kubeContext: "kind-dev" })).toBeUndefined();
  });

  it("waits for a rollout in the stack's namespace with a bound", () => {
    const run = machine({ kubectl: ok('deployment "todo-backend" successfully rolled out') });
    const k = { command: "kubectl", baseArgs: ["--context", "minikube"] };
    expect(rolloutStatus(k, run, "todo-dev", "todo-backend", 120).verdict).toBe("PASS");
    expect(run.calls).toEqual([
      "kubectl --context minikube -n todo-dev rollout status deployment/todo-backend --timeout=120s",
    ]);
  });

  it("reports a rollout that timed out with kubectl's own words", () => {
    const run = machine({ kubectl: fails(1, "", "error: timed out waiting for the condition") });
    const result = rolloutStatus({ command: "kubectl", baseArgs: [] }, run, "ns", "todo-frontend");
    expect(result).toMatchObject({ verdict: "FAIL", detail: expect.stringContaining("timed out waiting") });
  });
});

describe("backend health from a frontend pod", () => {
  const k = { command: "kubectl", baseArgs: ["--context", "minikube"] };

  it("execs node in the frontend container against the in-cluster backend URL", () => {
    expect(backendHealthArgs("todo-dev", "http://todo-backend:7860/")).toEqual([
      "-n",
      "todo-dev",
      "exec",
      "deploy/todo-frontend",
      "-c",
      "frontend",
      "--",
      "node",
      "-e",
      IN_POD_FETCH,
      "http://todo-backend:7860/health",
    ]);
  });

  it("reports kubectl's failure when the exec itself fails (no pod, RBAC)", () => {
    const run = machine({
      kubectl: fails(1, "", 'Error from server (NotFound): deployments.apps "todo-frontend" not found'),
    });
    expect(backendHealth(k, run, "todo-dev")).toMatchObject({
      verdict: "FAIL",
      detail: expect.stringContaining("kubectl exec failed: Error from server (NotFound)"),
    });
  });

  // The in-pod script runs here under the same Node major as the frontend image, against a real HTTP server.
  describe("the in-pod fetch script", () => {
    let server: http.Server;
    let base: string;
    let health = { status: 200, body: '{"status":"healthy","version":"1.0.0"}' };

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        res.writeHead(req.url === "/health" ? health.status : 404, { "content-type": "application/json" });
        res.end(req.url === "/health" ? health.body : "{}");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const runInPod = (url: string) =>
      new Promise<CommandResult>((resolve) => {
        const args = backendHealthArgs("ns", url);
        const nodeArgs = args.slice(args.indexOf("node") + 1);
        execFile(process.execPath, nodeArgs, { timeout: 10_000 }, (error, stdout, stderr) => {
          resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });

    it("passes a healthy backend", async () => {
      health = { status: 200, body: '{"status":"healthy","version":"1.0.0"}' };
      expect(parseInPodFetch(await runInPod(base))).toEqual({
        ok: true,
        detail: '200 {"status":"healthy","version":"1.0.0"}',
      });
    });

    it("fails a backend that answers but is not healthy", async () => {
      health = { status: 500, body: "Internal Server Error" };
      expect(parseInPodFetch(await runInPod(base))).toEqual({
        ok: false,
        detail: "HTTP 500 Internal Server Error",
      });
    });

    it("fails an unreachable backend with the network error", async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const result = await runInPod(`http://127.0.0.1:${port}`);
      expect(result.status).toBe(3);
      expect(parseInPodFetch(result)).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/ECONNREFUSED/),
      });
    });
  });
});

describe("pods rolled", () => {
  const pod = (name: string, hash: string, phase = "Running", deleting = false) => ({
    metadata: {
      name,
      labels: { "pod-template-hash": hash },
      ...(deleting ? { deletionTimestamp: "2026-11-25T10:00:00Z" } : {}),
    },
    status: { phase },
  });
  const list = (...items: ReturnType<typeof pod>[]) => JSON.stringify({ items });

  it("builds the label selector from the Deployment", () => {
    const deployment = JSON.stringify({
      spec: {
        selector: {
          matchLabels: { "app.kubernetes.io/name": "todo-backend", "app.kubernetes.io/instance": "todo-it" },
        },
      },
    });
    expect(deploymentSelector(deployment)).toBe(
      "app.kubernetes.io/name=todo-backend,app.kubernetes.io/instance=todo-it",
    );
  });

  it("counts only running pods that are not terminating", () => {
    const generation = livePods(
      list(pod("a-1", "aaa"), pod("a-2", "aaa", "Pending"), pod("b-1", "bbb", "Running", true)),
    );
    expect(generation).toEqual({ pods: ["a-1"], templateHashes: ["aaa"] });
  });

  it("sees a roll when every pod and its template are new", () => {
    const before = livePods(list(pod("x-aaa-1", "aaa"), pod("x-aaa-2", "aaa")));
    const after = livePods(list(pod("x-bbb-1", "bbb"), pod("x-bbb-2", "bbb")));
    expect(podsRolled(before, after)).toBe(true);
  });

  it("sees no roll when an old pod survives or the template is unchanged", () => {
    const before = livePods(list(pod("x-aaa-1", "aaa")));
    expect(podsRolled(before, livePods(list(pod("x-aaa-1", "aaa"))))).toBe(false);
    expect(podsRolled(before, livePods(list(pod("x-aaa-2", "aaa"))))).toBe(false);
    expect(podsRolled(before, livePods(list()))).toBe(false);
  });
});

describe("summary", () => {
  it("fails overall when any check failed and counts skips apart", () => {
    const summary = summarize([
      { name: "frontend", verdict: "PASS", detail: "ok" },
      { name: "backend", verdict: "SKIP", detail: "no kubectl" },
      { name: "rollout", verdict: "FAIL", detail: "timed out" },
    ]);
    expect(summary.ok).toBe(false);
    expect(summary.lines).toEqual([
      "PASS  frontend: ok",
      "SKIP  backend: no kubectl",
      "FAIL  rollout: timed out",
      "FAIL: 1 passed, 1 failed, 1 skipped",
    ]);
  });

  it("passes when nothing failed", () => {
    expect(summarize([{ name: "frontend", verdict: "PASS", detail: "ok" }]).ok).toBe(true);
  });
});
