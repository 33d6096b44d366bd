/** Starting minikube only for stacks that deploy to it, from the state `minikube status -o json` reports. */
import { describe, expect, it } from "vitest";

import { kubeconfigFiles } from "../../host/kubeconfig";
import { minikubeAction, parseMinikubeStatus } from "../../host/minikube";
import {
  configValue,
  ensureMinikube,
  minikubeBuildsLocally,
  minikubeRuntimeSetting,
  stackTarget,
} from "../../scripts/lib/minikube";
import { summarize } from "../../scripts/lib/health";
import { networkPolicyCheck, withPolicyLine } from "../../scripts/lib/verify";
import {
  CALICO,
  FLANNEL,
  KINDNET_CURRENT,
  KINDNET_OLD,
  KUBE_PROXY,
  daemonSetList,
  profileList,
} from "../host/fixtures";
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

  it("creates a new profile with the Docker runtime and Calico, so NetworkPolicies are enforced", () => {
    const live = machine({ "minikube start": ok() });
    ensureMinikube("dev", "up", machine({ "minikube status": PROFILE_NOT_FOUND }), live, () => undefined);
    expect(live.calls).toEqual(["minikube start -p dev --container-runtime=docker --cni=calico"]);
  });

  it("creates a new profile with the runtime the stack chose", () => {
    const live = machine({ "minikube start": ok() });
    const status = machine({ "minikube status": PROFILE_NOT_FOUND });
    ensureMinikube("dev", "up", status, live, () => undefined, { containerRuntime: "containerd" });
    expect(live.calls).toEqual(["minikube start -p dev --container-runtime=containerd --cni=calico"]);
  });

  it("starts an existing profile without changing its runtime or CNI", () => {
    const live = machine({ "minikube start": ok() });
    const status = machine({ "minikube status": STOPPED });
    ensureMinikube("dev", "up", status, live, () => undefined, { containerRuntime: "containerd" });
    expect(live.calls).toEqual(["minikube start -p dev"]);
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

describe("the runtime of a profile `npm run up` creates", () => {
  it("is docker unless todo-app:minikubeContainerRuntime says otherwise", () => {
    expect(minikubeRuntimeSetting({})).toBe("docker");
    expect(stackTarget({}, undefined, "/home/dev/.minikube").minikubeContainerRuntime).toBe("docker");
    expect(minikubeRuntimeSetting({ "todo-app:minikubeContainerRuntime": { value: "containerd" } })).toBe(
      "containerd",
    );
  });

  it("refuses a runtime minikube does not have, naming the key and what is accepted", () => {
    // minikube pkg/minikube/cruntime/cruntime.go ValidRuntimes: docker, cri-o, containerd.
    expect(() =>
      minikubeRuntimeSetting({ "todo-app:minikubeContainerRuntime": { value: "podman" } }),
    ).toThrow(/todo-app:minikubeContainerRuntime is "podman"; accepted: docker, containerd, cri-o/);
  });
});

describe("minikubeBuildsLocally", () => {
  const list = (runtime: string) =>
    machine({ "minikube profile list": ok(profileList([{ name: "dev", runtime }])) });

  it("is true for a containerd or CRI-O profile, whose images the program builds with this machine's Docker", () => {
    expect(minikubeBuildsLocally("dev", list("containerd"))).toBe(true);
    expect(minikubeBuildsLocally("dev", list("cri-o"))).toBe(true);
  });

  it("is false for a Docker profile, and when the profile cannot be read", () => {
    expect(minikubeBuildsLocally("dev", list("docker"))).toBe(false);
    expect(minikubeBuildsLocally("other", list("containerd"))).toBe(false);
    expect(minikubeBuildsLocally("dev", machine({}))).toBe(false);
  });
});

describe("the network policy line of `npm run up`'s summary", () => {
  const kubectl = { command: "kubectl", baseArgs: ["--context", "minikube"] };
  const minikube = { kubeContext: "minikube", usesMinikube: true, minikubeProfile: "minikube" };
  const cluster = (stdout: string) =>
    machine({ "kubectl --context minikube get daemonsets --all-namespaces -o json": ok(stdout) });

  it("passes on a profile `npm run up` created, which runs Calico", () => {
    expect(networkPolicyCheck(kubectl, cluster(daemonSetList(KUBE_PROXY, CALICO)), minikube)).toEqual({
      verdict: "PASS",
      detail: "enforced by Calico",
    });
  });

  it("warns on minikube's default CNI, and says how to recreate the profile with Calico", () => {
    // pkg/minikube/cni/cni.go chooseDefault: bridge for the docker runtime, with no DaemonSet.
    const check = networkPolicyCheck(kubectl, cluster(daemonSetList(KUBE_PROXY)), minikube);
    expect(check.verdict).toBe("WARN");
    expect(check.detail).toMatch(/^not enforced: the cluster runs no policy-enforcing network plugin/);
    expect(check.detail).toContain("accept connections from any pod");
    expect(check.detail).toContain("`minikube delete -p minikube`, then `npm run up`");
    expect(check.detail).toContain("--cni=calico");
  });

  it("passes on a containerd profile's kindnet, whose kindnetd enforces policies", () => {
    expect(networkPolicyCheck(kubectl, cluster(daemonSetList(KINDNET_CURRENT)), minikube).verdict).toBe(
      "PASS",
    );
  });

  it("tells a kind user to move to kind v0.24 or a policy plugin", () => {
    const kind = { kubeContext: "kind-dev", usesMinikube: false, minikubeProfile: "kind-dev" };
    const run = machine({ "kubectl --context minikube get daemonsets": ok(daemonSetList(KINDNET_OLD)) });
    const check = networkPolicyCheck(kubectl, run, kind);
    expect(check.verdict).toBe("WARN");
    expect(check.detail).toContain("kind v0.24.0 or newer");
  });

  it("tells anyone else to install a plugin that implements NetworkPolicy", () => {
    const other = { kubeContext: "k3d-dev", usesMinikube: false, minikubeProfile: "k3d-dev" };
    const check = networkPolicyCheck(kubectl, cluster(daemonSetList(KUBE_PROXY, FLANNEL)), other);
    expect(check.detail).toMatch(/Flannel \(Flannel does not implement NetworkPolicy\).*Calico, Cilium/);
  });

  it("is printed before the totals and never counts as a failure", () => {
    const summary = summarize([{ name: "frontend /api/health", verdict: "PASS", detail: "ok" }]);
    expect(withPolicyLine(summary.lines, { verdict: "WARN", detail: "not enforced: ..." })).toEqual([
      "PASS  frontend /api/health: ok",
      "WARN  network policies: not enforced: ...",
      "PASS: 1 passed, 0 failed, 0 skipped",
    ]);
    expect(summary.ok).toBe(true);
  });

  it("skips, saying why, without kubectl or when the cluster does not answer", () => {
    expect(networkPolicyCheck(undefined, machine({}), minikube).verdict).toBe("SKIP");
    const refused = machine({
      kubectl: fails(1, "", "The connection to the server 127.0.0.1:8443 was refused\n"),
    });
    expect(networkPolicyCheck(kubectl, refused, minikube)).toEqual({
      verdict: "SKIP",
      detail:
        "could not list the cluster's DaemonSets (exit 1: The connection to the server 127.0.0.1:8443 was refused)",
    });
  });
});
