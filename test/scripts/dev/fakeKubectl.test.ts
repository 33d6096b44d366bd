/**
 * The fake kubectl as the end-to-end test uses it: put on PATH as `kubectl`, found by findKubectl
 * (scripts/lib/health.ts) through the project's own runner, and answering from its state file.
 */
import * as path from "path";
import { afterEach, expect, it } from "vitest";

import { captureRunner } from "../../../host/process";
import { findKubectl, kubectl } from "../../../scripts/lib/health";
import { type FakeCluster, fakeCluster, kubectlOnPath } from "./fakeCluster";

let cluster: FakeCluster | undefined;
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
  cluster?.remove();
});

it("is found on PATH by findKubectl and lists the pods of its state by label", () => {
  cluster = fakeCluster();
  process.env.PATH = `${kubectlOnPath(cluster)}${path.delimiter}${PATH}`;
  cluster.write({
    services: ["todo-backend"],
    pods: [
      { name: "todo-backend-a-aaaaa", labels: { app: "b" } },
      { name: "todo-frontend-a-bbbbb", labels: { app: "f" } },
    ],
  });
  const run = captureRunner(10_000);
  const found = findKubectl(run, { kubeContext: "minikube" });
  expect(found).toEqual({ command: "kubectl", baseArgs: ["--context", "minikube"] });
  const result = kubectl(found!, run, ["-n", "todo-dev", "get", "pods", "-l", "app=b", "-o", "json"]);
  expect(result.status).toBe(0);
  const names = (JSON.parse(result.stdout) as { items: { metadata: { name: string } }[] }).items.map(
    (p) => p.metadata.name,
  );
  expect(names).toEqual(["todo-backend-a-aaaaa"]);
  expect(cluster.calls()[0]).toEqual(["version", "--client"]);
});
