/** The integration test skips with exactly what is missing, and runs only where everything is there. */
import { describe, expect, it } from "vitest";

import { integrationSetup } from "../integration/prerequisites";
import { fails, machine, ok } from "./stubs";

const lookup = {
  projectDir: "/repo",
  env: {},
  homedir: "/home/ci",
  platform: "linux" as NodeJS.Platform,
  exists: () => true,
  npmPackageVersion: "3.265.0",
};

const everything = {
  "pulumi version": ok("v3.270.0"),
  "kubectl version --client": ok("Client Version: v1.32.4"),
  "kubectl --context minikube get --raw /readyz": ok("ok"),
  "minikube version --short": ok("v1.36.0"),
};

/** The machine above, less one tool. */
const without = (line: keyof typeof everything) =>
  Object.fromEntries(Object.entries(everything).filter(([key]) => key !== line));

describe("integrationSetup", () => {
  it("has nothing missing on a machine with the CLI, kubectl and a running minikube", () => {
    const setup = integrationSetup(machine(everything), lookup);
    expect(setup.missing).toEqual([]);
    expect(setup.location).toEqual({ kind: "path", version: "v3.270.0" });
    expect(setup.kubectl).toEqual({ command: "kubectl", baseArgs: ["--context", "minikube"] });
  });

  it("names the missing Pulumi CLI with the download error", () => {
    const run = machine({
      ...everything,
      "pulumi version": fails(127),
      "/repo/node_modules/.bin/pulumi version": fails(1, "", "pulumi: fetch failed"),
    });
    const [reason, ...rest] = integrationSetup(run, lookup).missing;
    expect(reason).toMatch(/^Pulumi CLI: .*pulumi: fetch failed/);
    expect(rest).toEqual([]);
  });

  it("names a Pulumi CLI older than the project's floor, with how to upgrade", () => {
    const run = machine({ ...everything, "pulumi version": ok("v3.150.0") });
    const [reason, ...rest] = integrationSetup(run, lookup).missing;
    expect(reason).toMatch(
      /^Pulumi CLI: The Pulumi CLI v3\.150\.0 \(on PATH\) is older than 3\.257\.0.*Upgrade it/,
    );
    expect(rest).toEqual([]);
  });

  it("names a missing kubectl without probing a cluster through it", () => {
    const run = machine(without("kubectl version --client"));
    expect(integrationSetup(run, lookup).missing).toEqual([
      "kubectl: not installed (https://kubernetes.io/docs/tasks/tools/)",
    ]);
    expect(run.calls.some((c) => c.includes("readyz"))).toBe(false);
  });

  it("names the context that does not answer, and honours TODO_IT_KUBE_CONTEXT", () => {
    const run = machine({
      ...everything,
      "kubectl --context kind-dev get --raw": fails(1, "", 'error: context "kind-dev" does not exist'),
      kind: ok("kind v0.27.0"),
    });
    const setup = integrationSetup(run, { ...lookup, env: { TODO_IT_KUBE_CONTEXT: "kind-dev" } });
    expect(setup.missing).toEqual([
      'a reachable cluster: kube context "kind-dev" does not answer (error: context "kind-dev" does not exist); ' +
        "start one (minikube start) or set TODO_IT_KUBE_CONTEXT to a local cluster's context",
    ]);
  });

  it("needs minikube's CLI for a minikube context, and kind's for a kind one", () => {
    expect(integrationSetup(machine(without("minikube version --short")), lookup).missing).toEqual([
      'minikube: not installed; the program builds images into minikube "minikube"\'s Docker daemon',
    ]);
    const kindRun = machine({ ...everything, "kubectl --context kind-dev get --raw": ok("ok") });
    expect(
      integrationSetup(kindRun, { ...lookup, env: { TODO_IT_KUBE_CONTEXT: "kind-dev" } }).missing,
    ).toEqual(["kind: not installed; images are loaded into kind nodes with `kind load`"]);
  });

  it("refuses a remote cluster, which would need a registry this test does not push to", () => {
    const run = machine({ ...everything, "kubectl --context prod get --raw": ok("ok") });
    expect(integrationSetup(run, { ...lookup, env: { TODO_IT_KUBE_CONTEXT: "prod" } }).missing).toEqual([
      expect.stringMatching(/^a local cluster: context "prod" is not minikube, kind or Docker Desktop/),
    ]);
  });
});
