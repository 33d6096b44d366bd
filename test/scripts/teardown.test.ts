/**
 * `npm run down` after the cluster was deleted: it notices, has pulumi-kubernetes drop the cluster's objects
 * from the state, removes the images whose daemon went with a deleted minikube, and says what it left.
 *
 * The provider behaviour behind it, from pulumi/pulumi-kubernetes `provider/pkg/provider/provider.go`:
 * `Configure` reads `PULUMI_K8S_DELETE_UNREACHABLE` when the provider sets no `deleteUnreachable` (the setting
 * wins when present), and marks the cluster unreachable when `kubeconfig.ClientConfig()` fails (a context the
 * kubeconfig lacks) or the API server does not answer; `Delete` then logs "Deleting the unreachable resource
 * from Pulumi state" and succeeds, and without the variable fails with "configured Kubernetes cluster is
 * unreachable. If the cluster was deleted, you can remove this resource from Pulumi state by rerunning the
 * operation with the PULUMI_K8S_DELETE_UNREACHABLE environment variable set to "true"". pulumi-docker's
 * `dockerNativeProvider.Configure` (provider/provider.go) pings its daemon, and the engine configures a
 * resource's provider before deleting it (pulumi/pulumi pkg/resource/deploy/step_generator.go, GenerateDeletes
 * → EnsureProvider), so an image of a deleted minikube can only leave the state by `pulumi state delete`.
 */
import { describe, expect, it } from "vitest";

import type { MinikubeStatus } from "../../host/minikube";
import { UserError } from "../../scripts/lib/errors";
import type { StackTarget } from "../../scripts/lib/minikube";
import {
  DELETE_UNREACHABLE_ENV,
  clusterReach,
  dockerManaged,
  forgetArgs,
  forgetResources,
  imageNames,
  kubernetesObjects,
  leftoverReport,
  planTeardown,
  recordedDaemon,
  stateResources,
  tearDown,
} from "../../scripts/lib/teardown";
import { fails, machine, ok } from "./stubs";

const minikubeStack = {
  kubeContext: "minikube",
  minikubeProfile: "minikube",
  buildTarget: "minikube",
  usesMinikube: true,
} as StackTarget;
const kindStack = {
  kubeContext: "kind-dev",
  minikubeProfile: "kind-dev",
  buildTarget: "docker",
  usesMinikube: false,
} as StackTarget;
const remoteStack = {
  kubeContext: "prod",
  minikubeProfile: "prod",
  buildTarget: "registry",
  usesMinikube: false,
} as StackTarget;

const absent: MinikubeStatus = { state: "absent", detail: 'Profile "minikube" not found' };
const running: MinikubeStatus = {
  state: "running",
  detail: "host Running, kubelet Running, apiserver Running",
};
const kubeconfigWith = (...names: string[]) => ({ contexts: names.map((name) => ({ name })) });
const kubectl = { command: "kubectl", baseArgs: ["--context", "minikube"] };

const U = "urn:pulumi:dev::todo-app::";
const K8S = `${U}pulumi:providers:kubernetes::k8s::6b1e`;
const DOCKER = `${U}pulumi:providers:docker::docker::0c7d`;
/** A minikube stack's exported state (`stack.exportStack()`), trimmed to what down reads. */
const exported = {
  version: 3,
  deployment: {
    resources: [
      { urn: `${U}pulumi:pulumi:Stack::todo-app-dev`, type: "pulumi:pulumi:Stack", custom: false },
      { urn: `${U}pulumi:providers:kubernetes::k8s`, type: "pulumi:providers:kubernetes", custom: true },
      {
        urn: `${U}pulumi:providers:docker::docker`,
        type: "pulumi:providers:docker",
        custom: true,
        // What config/probe.ts gave the provider for a Docker-runtime profile: minikube's daemon.
        inputs: { host: "tcp://192.168.49.2:2376", certPath: "/home/dev/.minikube/certs" },
      },
      {
        urn: `${U}kubernetes:core/v1:NamespacePatch::namespace`,
        type: "kubernetes:core/v1:NamespacePatch",
        custom: true,
        provider: K8S,
        retainOnDelete: true,
      },
      { urn: `${U}todo:app:AppService::backend`, type: "todo:app:AppService", custom: false },
      {
        urn: `${U}todo:app:AppService$todo:image:ServiceImage::backend`,
        type: "todo:image:ServiceImage",
        custom: false,
      },
      {
        urn: `${U}todo:app:AppService$todo:image:ServiceImage$docker:index/image:Image::backend-image`,
        type: "docker:index/image:Image",
        custom: true,
        provider: DOCKER,
        outputs: { imageName: "todo-backend:c-1a2b3c4d5e6f" },
      },
      {
        urn: `${U}todo:app:AppService$todo:image:ServiceImage$docker:index/image:Image::frontend-image`,
        type: "docker:index/image:Image",
        custom: true,
        provider: DOCKER,
        outputs: { imageName: "todo-frontend:c-6f5e4d3c2b1a" },
      },
      {
        urn: `${U}todo:app:AppService$kubernetes:apps/v1:Deployment::backend`,
        type: "kubernetes:apps/v1:Deployment",
        custom: true,
        provider: K8S,
      },
      { urn: "not a resource" },
    ],
  },
};
const resources = stateResources(exported);

describe("reading the stack's state", () => {
  it("finds the docker images, their names and the Kubernetes objects by their provider", () => {
    expect(resources).toHaveLength(9);
    expect(dockerManaged(resources).map((r) => r.urn.split("::").pop())).toEqual([
      "backend-image",
      "frontend-image",
    ]);
    expect(imageNames(resources)).toEqual(["todo-backend:c-1a2b3c4d5e6f", "todo-frontend:c-6f5e4d3c2b1a"]);
    expect(kubernetesObjects(resources).map((r) => r.type)).toEqual([
      "kubernetes:core/v1:NamespacePatch",
      "kubernetes:apps/v1:Deployment",
    ]);
  });

  it("reads the daemon the docker provider was configured with: the one a destroy connects to", () => {
    expect(recordedDaemon(resources)).toEqual({
      kind: "host",
      endpoint: { host: "tcp://192.168.49.2:2376", certPath: "/home/dev/.minikube/certs" },
    });
    const local = resources.map((r) => (r.type === "pulumi:providers:docker" ? { ...r, inputs: {} } : r));
    expect(recordedDaemon(local)).toEqual({ kind: "local" });
    expect(recordedDaemon([])).toBeUndefined();
  });

  it("reads an empty or odd export as no resources", () => {
    expect(stateResources({})).toEqual([]);
    expect(stateResources({ deployment: { resources: "x" } })).toEqual([]);
  });
});

describe("clusterReach", () => {
  it("knows a deleted minikube profile is gone without asking anything", () => {
    const run = machine({});
    expect(clusterReach({ target: minikubeStack, minikube: absent, run, kubectl })).toEqual({
      kind: "gone",
      why: 'minikube profile "minikube" does not exist',
    });
    expect(run.calls).toEqual([]);
  });

  it("knows a context the kubeconfig no longer has is gone (kind delete cluster removes it)", () => {
    const reach = clusterReach({
      target: kindStack,
      kubeconfig: kubeconfigWith("minikube"),
      run: machine({}),
    });
    expect(reach).toEqual({ kind: "gone", why: 'your kubeconfig has no context "kind-dev"' });
  });

  it("asks the API server's /readyz otherwise, and reports what kubectl said", () => {
    const down = machine({
      "kubectl --context minikube get --raw /readyz": fails(
        1,
        "",
        "Unable to connect to the server: dial tcp 192.168.49.2:8443: connect: no route to host",
      ),
    });
    expect(
      clusterReach({
        target: minikubeStack,
        minikube: running,
        kubeconfig: kubeconfigWith("minikube"),
        kubectl,
        run: down,
      }),
    ).toEqual({
      kind: "unanswering",
      why: 'kube context "minikube" does not answer (Unable to connect to the server: dial tcp 192.168.49.2:8443: connect: no route to host)',
    });
    const up = machine({ "kubectl --context minikube get --raw /readyz": ok("ok") });
    expect(clusterReach({ target: minikubeStack, minikube: running, kubectl, run: up })).toEqual({
      kind: "reachable",
    });
  });

  it("without any kubectl leaves the verdict to the provider", () => {
    expect(clusterReach({ target: kindStack, run: machine({}) })).toEqual({ kind: "reachable" });
  });
});

describe("planTeardown", () => {
  const base = { daemon: { kind: "minikube", profile: "minikube" } as const, resources, stack: "dev" };

  it("on a reachable cluster destroys normally, and needs the daemon for the images", () => {
    expect(
      planTeardown({
        ...base,
        reach: { kind: "reachable" },
        target: minikubeStack,
        minikube: running,
        deleteUnreachableFlag: false,
      }),
    ).toEqual({
      deleteUnreachable: false,
      forget: [],
      needsDaemon: true,
      // The daemon the state's docker provider was configured with, which the destroy connects to: minikube's
      // docker-env host can differ from today's after a restart.
      daemon: {
        kind: "host",
        endpoint: { host: "tcp://192.168.49.2:2376", certPath: "/home/dev/.minikube/certs" },
      },
    });
  });

  it("after `minikube delete` drops the objects and removes the images, whose daemon went with the profile", () => {
    const plan = planTeardown({
      ...base,
      reach: { kind: "gone", why: "deleted" },
      target: minikubeStack,
      minikube: absent,
      deleteUnreachableFlag: false,
    });
    expect(plan.deleteUnreachable).toBe(true);
    expect(plan.needsDaemon).toBe(false);
    expect(plan.forget.map((r) => r.type)).toEqual(["docker:index/image:Image", "docker:index/image:Image"]);
  });

  it("after `kind delete cluster` drops the objects but still deletes the images through the local daemon", () => {
    // A kind stack's docker provider has no host: the local daemon.
    const kindResources = resources.map((r) =>
      r.type === "pulumi:providers:docker" ? { ...r, inputs: {} } : r,
    );
    const plan = planTeardown({
      ...base,
      resources: kindResources,
      daemon: { kind: "local" },
      reach: { kind: "gone", why: "no context" },
      target: kindStack,
      deleteUnreachableFlag: false,
    });
    expect(plan).toEqual({
      deleteUnreachable: true,
      forget: [],
      needsDaemon: true,
      daemon: { kind: "local" },
    });
  });

  it("after deleting a containerd profile keeps the images, built and kept by this machine's daemon", () => {
    const local = resources.map((r) => (r.type === "pulumi:providers:docker" ? { ...r, inputs: {} } : r));
    const plan = planTeardown({
      ...base,
      resources: local,
      reach: { kind: "gone", why: "deleted" },
      target: minikubeStack,
      minikube: absent,
      deleteUnreachableFlag: false,
    });
    expect(plan).toEqual({
      deleteUnreachable: true,
      forget: [],
      needsDaemon: true,
      daemon: { kind: "local" },
    });
  });

  it("refuses to forget the objects of a remote cluster that does not answer, unless told to", () => {
    const input = {
      ...base,
      daemon: { kind: "local" } as const,
      reach: { kind: "unanswering", why: 'kube context "prod" does not answer (i/o timeout)' } as const,
      target: remoteStack,
    };
    const attempt = () => planTeardown({ ...input, deleteUnreachableFlag: false });
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/nothing was changed.*npm run down -- --stack dev --delete-unreachable/s);
    expect(planTeardown({ ...input, deleteUnreachableFlag: true }).deleteUnreachable).toBe(true);
  });

  it("names the provider's own variable", () => {
    expect(DELETE_UNREACHABLE_ENV).toBe("PULUMI_K8S_DELETE_UNREACHABLE");
  });
});

describe("forgetResources", () => {
  const images = dockerManaged(resources);

  it("runs `pulumi state delete` per URN, non-interactively, on the session's stack", () => {
    const calls: string[][] = [];
    const failed = forgetResources(images, "organization/todo-app/dev", (args) => {
      calls.push([...args]);
      return ok("Resource deleted");
    });
    expect(failed).toEqual([]);
    expect(calls).toEqual(images.map((r) => forgetArgs(r.urn, "organization/todo-app/dev")));
    expect(calls[0]).toEqual([
      "state",
      "delete",
      images[0].urn,
      "--stack",
      "organization/todo-app/dev",
      "--yes",
      "--non-interactive",
    ]);
  });

  it("collects what could not be removed, with the CLI's reason", () => {
    const failed = forgetResources(images, "dev", () =>
      fails(
        255,
        "",
        "error: urn can't be safely deleted because the following resources depend on it:\n * ...",
      ),
    );
    expect(failed).toHaveLength(2);
    expect(failed[0].why).toMatch(/can't be safely deleted/);
  });
});

describe("leftoverReport", () => {
  const reachable = { kind: "reachable" } as const;
  const report = (overrides: Partial<Parameters<typeof leftoverReport>[0]>) =>
    leftoverReport({
      stack: "dev",
      target: minikubeStack,
      reach: reachable,
      plan: {
        deleteUnreachable: false,
        forget: [],
        needsDaemon: true,
        daemon: { kind: "minikube", profile: "minikube" },
      },
      resources,
      namespace: "todo-dev",
      databaseClaim: "data-todo-postgres-0",
      daemonDescription: `minikube profile "minikube"'s Docker daemon`,
      ...overrides,
    }).join("\n");

  it("says how to remove the state without deleting the committed stack file", () => {
    expect(report({})).toContain("npm run pulumi -- stack rm --preserve-config dev");
    expect(report({})).not.toContain("npx pulumi");
  });

  it("after a normal destroy names the images left in the daemon and the retained namespace and claim", () => {
    const text = report({});
    expect(text).toContain(
      'the images todo-backend:c-1a2b3c4d5e6f, todo-frontend:c-6f5e4d3c2b1a stay in minikube profile "minikube"\'s Docker daemon',
    );
    expect(text).toContain(
      "minikube -p minikube image rm todo-backend:c-1a2b3c4d5e6f todo-frontend:c-6f5e4d3c2b1a",
    );
    expect(text).toContain("kubectl --context minikube -n todo-dev delete pvc data-todo-postgres-0");
  });

  it("after `minikube delete` says the objects and images were only removed from the state", () => {
    const images = dockerManaged(resources);
    const text = report({
      reach: { kind: "gone", why: 'minikube profile "minikube" does not exist' },
      plan: { deleteUnreachable: true, forget: images, needsDaemon: false, daemon: { kind: "local" } },
    });
    expect(text).toMatch(
      /Not deleted: 2 Kubernetes object\(s\)\. The cluster could not be reached \(minikube profile "minikube" does not exist\), so they were removed from the state only \(pulumi-kubernetes with PULUMI_K8S_DELETE_UNREACHABLE=true\)/,
    );
    expect(text).toMatch(
      /the images todo-backend:c-1a2b3c4d5e6f, todo-frontend:c-6f5e4d3c2b1a, removed from the state only/,
    );
    expect(text).toContain("The namespace todo-dev and any database volume in it went with the cluster.");
    expect(text).not.toContain("delete pvc");
  });

  it("for a cluster that only stopped answering, says its objects may still be in it", () => {
    const text = report({
      target: remoteStack,
      reach: { kind: "unanswering", why: "i/o timeout" },
      plan: { deleteUnreachable: true, forget: [], needsDaemon: true, daemon: { kind: "local" } },
    });
    expect(text).toContain(
      "If the cluster comes back, they are still in it: `kubectl --context prod delete namespace todo-dev`",
    );
    expect(text).toContain("stay in the registry");
  });
});

describe("tearDown", () => {
  /** A stack whose destroys and CLI calls are recorded with the environment each one saw. */
  function fakeStack() {
    const calls: string[] = [];
    const envVars: Record<string, string> = { PULUMI_BACKEND_URL: "file:///repo/.pulumi-state" };
    const stack = {
      workspace: { envVars },
      outputs: () =>
        Promise.resolve({
          namespace: { value: "todo-dev" },
          databaseClaim: { value: "data-todo-postgres-0" },
        }),
      exportStack: () => Promise.resolve(exported),
      destroy: (options: { exclude?: string[] }) => {
        calls.push(
          `destroy exclude=${(options.exclude ?? []).map((u) => u.split("::").pop()).join(",")} ` +
            `${DELETE_UNREACHABLE_ENV}=${envVars[DELETE_UNREACHABLE_ENV] ?? "unset"}`,
        );
        return Promise.resolve({});
      },
    };
    return { stack, calls };
  }
  const quiet = { log: () => undefined, step: () => undefined };
  const output = { onOutput: () => undefined, color: "never" as const };

  it("after `minikube delete`: destroys all but the images, removes them from the state, then destroys the rest", async () => {
    const { stack, calls } = fakeStack();
    let daemonAsked = false;
    const report = await tearDown({
      stack,
      stackName: "dev",
      target: minikubeStack,
      minikube: absent,
      daemon: { kind: "minikube", profile: "minikube" },
      deleteUnreachableFlag: false,
      run: machine({}),
      requireDaemon: () => {
        daemonAsked = true;
      },
      runCli: (args) => {
        calls.push(`pulumi ${args[0]} ${args[1]} ${args[2].split("::").pop()}`);
        return ok("Resource deleted");
      },
      output,
      ...quiet,
    });
    expect(calls).toEqual([
      `destroy exclude=backend-image,frontend-image ${DELETE_UNREACHABLE_ENV}=true`,
      "pulumi state delete backend-image",
      "pulumi state delete frontend-image",
      `destroy exclude= ${DELETE_UNREACHABLE_ENV}=true`,
    ]);
    expect(daemonAsked).toBe(false);
    expect(report.join("\n")).toMatch(/removed from the state only/);
  });

  it("on a running cluster: one plain destroy, after the build daemon answered", async () => {
    const { stack, calls } = fakeStack();
    let daemonAsked = false;
    await tearDown({
      stack,
      stackName: "dev",
      target: minikubeStack,
      minikube: running,
      kubectl,
      daemon: { kind: "minikube", profile: "minikube" },
      deleteUnreachableFlag: false,
      run: machine({ "kubectl --context minikube get --raw /readyz": ok("ok") }),
      requireDaemon: () => {
        daemonAsked = true;
      },
      runCli: () => {
        throw new Error("no state edit on a running cluster");
      },
      output,
      ...quiet,
    });
    expect(calls).toEqual([`destroy exclude= ${DELETE_UNREACHABLE_ENV}=unset`]);
    expect(daemonAsked).toBe(true);
  });

  it("stops before the second destroy when an image cannot be removed from the state, saying how to", async () => {
    const { stack, calls } = fakeStack();
    const attempt = tearDown({
      stack,
      stackName: "dev",
      target: minikubeStack,
      minikube: absent,
      daemon: { kind: "minikube", profile: "minikube" },
      deleteUnreachableFlag: false,
      run: machine({}),
      requireDaemon: () => undefined,
      runCli: () => fails(255, "", "error: resource is protected"),
      output,
      ...quiet,
    });
    await expect(attempt).rejects.toThrow(/npm run pulumi -- state delete '<urn>' --stack dev/);
    expect(calls).toHaveLength(1);
  });
});
