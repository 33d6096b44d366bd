/** Starting minikube only for stacks that deploy to it, from the state `minikube status -o json` reports. */
import { describe, expect, it } from "vitest";

import { kubeconfigFiles } from "../../host/kubeconfig";
import { minikubeAction, parseMinikubeStatus } from "../../host/minikube";
import { configValue, ensureMinikube, stackTarget } from "../../scripts/lib/minikube";
import { fails, machine, notInstalled, ok } from "./stubs";

// What minikube prints, exit codes included: non-zero whenever a component is not running.
const RUNNING = ok(
  '{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}\n',
);
const STOPPED = fails(
  7,
  '{"Name":"minikube","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}\n',
);
const PAUSED = fails(
  2,
  '{"Name":"minikube","Host":"Running","Kubelet":"Stopped","APIServer":"Paused","Kubeconfig":"Configured","Worker":false}\n',
);
const NONEXISTENT_JSON = fails(
  85,
  '{"Name":"dev","Host":"Nonexistent","Kubelet":"Nonexistent","APIServer":"Nonexistent","Kubeconfig":"Nonexistent"}\n',
);
const PROFILE_NOT_FOUND = fails(
  85,
  '* Profile "dev" not found. Run "minikube profile list" to view all profiles.\n' +
    '  To start a cluster, run: "minikube start -p dev"\n',
);
const MULTI_NODE = fails(
  2,
  '[{"Name":"m","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false},' +
    '{"Name":"m-m02","Host":"Stopped","Kubelet":"Stopped","APIServer":"Irrelevant","Kubeconfig":"Irrelevant","Worker":true}]',
);

describe("parseMinikubeStatus", () => {
  it("reads a running profile as running, although minikube's JSON is the only signal", () => {
    expect(parseMinikubeStatus(RUNNING).state).toBe("running");
  });

  it("reads a stopped profile from the JSON despite the non-zero exit", () => {
    expect(parseMinikubeStatus(STOPPED)).toEqual({
      state: "stopped",
      detail: "host Stopped, kubelet Stopped, apiserver Stopped",
    });
  });

  it("recognises a missing profile, whether minikube prints JSON or its text message", () => {
    expect(parseMinikubeStatus(NONEXISTENT_JSON).state).toBe("absent");
    expect(parseMinikubeStatus(PROFILE_NOT_FOUND)).toMatchObject({
      state: "absent",
      detail: expect.stringContaining('Profile "dev" not found'),
    });
  });

  it("recognises a paused cluster", () => {
    expect(parseMinikubeStatus(PAUSED).state).toBe("paused");
  });

  it("judges a multi-node profile by its control plane", () => {
    expect(parseMinikubeStatus(MULTI_NODE).state).toBe("running");
  });

  it("calls unreadable output unknown rather than guessing it is fine", () => {
    expect(parseMinikubeStatus(fails(1, "", "E1125 boom")).state).toBe("unknown");
  });
});

describe("minikubeAction", () => {
  it("starts a stopped cluster and creates a missing one for up and preview", () => {
    expect(minikubeAction("running", "up")).toBe("none");
    expect(minikubeAction("stopped", "up")).toBe("start");
    expect(minikubeAction("unknown", "preview")).toBe("start");
    expect(minikubeAction("paused", "up")).toBe("unpause");
    expect(minikubeAction("absent", "up")).toBe("create");
  });

  it("never creates a cluster for down, but starts a stopped one so its resources can be deleted", () => {
    expect(minikubeAction("absent", "down")).toBe("none");
    expect(minikubeAction("stopped", "down")).toBe("start");
  });
});

describe("ensureMinikube", () => {
  it("starts a stopped profile with the profile name, and reports the state after", () => {
    let started = false;
    const run = machine({ "minikube status -p dev -o json": () => (started ? RUNNING : STOPPED) });
    const live = machine({
      "minikube start -p dev": () => {
        started = true;
        return ok();
      },
    });
    const lines: string[] = [];
    expect(ensureMinikube("dev", "up", run, live, (l) => lines.push(l)).state).toBe("running");
    expect(live.calls).toEqual(["minikube start -p dev"]);
    expect(lines[0]).toMatch(/minikube profile "dev" is stopped .*running `minikube start -p dev`/);
  });

  it("creates a new profile with the Docker runtime the image builds need", () => {
    const live = machine({ "minikube start": ok() });
    ensureMinikube("dev", "up", machine({ "minikube status": PROFILE_NOT_FOUND }), live, () => undefined);
    expect(live.calls).toEqual(["minikube start -p dev --container-runtime=docker"]);
  });

  it("leaves a running profile alone", () => {
    const live = machine({});
    ensureMinikube("minikube", "up", machine({ "minikube status": RUNNING }), live, () => undefined);
    expect(live.calls).toEqual([]);
  });

  it("fails with the next steps when minikube cannot start", () => {
    const live = machine({ "minikube start": fails(80) });
    expect(() =>
      ensureMinikube("dev", "up", machine({ "minikube status": STOPPED }), live, () => undefined),
    ).toThrow(/`minikube start -p dev` failed \(exit 80\).*minikube -p dev logs.*minikube delete -p dev/s);
  });

  it("treats a minikube that cannot be run as unknown and lets the start attempt explain", () => {
    expect(parseMinikubeStatus(notInstalled("minikube")).state).toBe("unknown");
  });
});

describe("stackTarget", () => {
  const minikubeDir = "/home/dev/.minikube";

  it("deploys a stack without kubeContext to minikube, the default", () => {
    expect(stackTarget({}, undefined, minikubeDir)).toMatchObject({
      kubeContext: "minikube",
      minikubeProfile: "minikube",
      buildTarget: "minikube",
      usesMinikube: true,
    });
  });

  it("does not touch minikube for the ci stack (context ci, buildTarget docker)", () => {
    const config = { "todo-app:kubeContext": { value: "ci" }, "todo-app:buildTarget": { value: "docker" } };
    expect(stackTarget(config, undefined, minikubeDir)).toMatchObject({
      buildTarget: "docker",
      usesMinikube: false,
    });
  });

  it("recognises a named minikube profile by its certificate, as the program does", () => {
    const kubeconfig = {
      contexts: [{ name: "work", context: { cluster: "work" } }],
      clusters: [{ name: "work", cluster: { "certificate-authority": "/home/dev/.minikube/ca.crt" } }],
    };
    const config = { "todo-app:kubeContext": { value: "work" } };
    expect(stackTarget(config, kubeconfig, minikubeDir)).toMatchObject({
      usesMinikube: true,
      minikubeProfile: "work",
    });
  });

  it("uses the configured minikube profile and kubeconfig file", () => {
    const config = {
      "todo-app:minikubeProfile": { value: "todo" },
      "todo-app:kubeconfig": { value: "/etc/kube/todo.yaml" },
    };
    expect(stackTarget(config, undefined, minikubeDir)).toMatchObject({
      minikubeProfile: "todo",
      kubeconfig: "/etc/kube/todo.yaml",
    });
  });

  it("falls back to Pulumi.yaml's default for a key set to an empty string", () => {
    expect(configValue({ "todo-app:logLevel": { value: "" } }, "logLevel")).toBe("info");
  });

  it("reads the kubeconfig files kubectl would", () => {
    expect(kubeconfigFiles("/x/k.yaml", { KUBECONFIG: "/a:/b" }, "/home/dev")).toEqual(["/x/k.yaml"]);
    expect(kubeconfigFiles(undefined, { KUBECONFIG: "/a:/b" }, "/home/dev")).toEqual(["/a", "/b"]);
    expect(kubeconfigFiles(undefined, {}, "/home/dev")).toEqual(["/home/dev/.kube/config"]);
  });
});
