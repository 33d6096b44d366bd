/**
 * A credential never lands in a plain setting: values that carry URL credentials or repeat a configured secret
 * are refused (without echoing them), since a plain setting is stored in plain text in the stack file, the
 * state, the image history or the pod spec. And the other combinations that passed each check but failed only
 * after the deploy.
 */
import { describe, expect, it } from "vitest";

import { minikubeRuntimeSetting } from "../../scripts/lib/minikube";
import type { StackValues } from "../support/cliConfig";
import { DATABASE_URL } from "../support/program";
import { load, problemsOf } from "./support";

const TOKEN = "s3cr3t-t0ken-value";

function refusedWithout(values: StackValues, hidden: string, expected: RegExp): void {
  const problems = problemsOf(values);
  expect(problems).toEqual([expect.stringMatching(expected)]);
  expect(problems.join("\n")).not.toContain(hidden);
}

describe("credentials in plain settings", () => {
  it.each([
    ["a private index URL with user and token", `https://ci:${TOKEN}@pypi.acme.dev/simple`],
    ["a private index URL with a token alone", `https://${TOKEN}@pypi.acme.dev/simple`],
  ])("refuses %s as a build arg, without echoing it", (_what, url) => {
    refusedWithout(
      { backendBuildArgs: { PIP_INDEX_URL: url } },
      TOKEN,
      /^todo-app:backendBuildArgs.PIP_INDEX_URL holds a URL with a user or password \(not shown\).*image's history/,
    );
  });

  it("accepts a private index URL without credentials", () => {
    expect(
      load({ backendBuildArgs: { PIP_INDEX_URL: "https://pypi.acme.dev/simple" } }).backend.image.buildArgs,
    ).toMatchObject({ PIP_INDEX_URL: "https://pypi.acme.dev/simple" });
  });

  it("refuses a database URL with a password in a plain env value", () => {
    refusedWithout(
      { backendEnv: { REPORTING_DB: `postgresql://report:${TOKEN}@db.acme.dev:5432/r` } },
      TOKEN,
      /^todo-app:backendEnv.REPORTING_DB holds a URL with a user or password \(not shown\).*backendSecrets/,
    );
  });

  it("refuses a plain env value that repeats a configured secret", () => {
    refusedWithout(
      { cohereApiKey: TOKEN, backendEnv: { COHERE_KEY_COPY: TOKEN } },
      TOKEN,
      /^todo-app:backendEnv.COHERE_KEY_COPY holds the value of a configured secret \(not shown\)/,
    );
  });

  it("refuses a plain string setting that repeats a configured secret", () => {
    const problems = problemsOf({
      buildTarget: "registry",
      kubeContext: "gke_acme",
      registryServer: "ghcr.io/acme",
      registryUsername: TOKEN,
      registryPassword: TOKEN,
    });
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^todo-app:registryUsername holds the value of a configured secret \(not shown\)/,
      ),
    );
    expect(problems.join("\n")).not.toContain(TOKEN);
  });

  it("takes NEXT_PUBLIC_ as public only in the frontend's build args, not as a backend env name", () => {
    refusedWithout(
      { backendEnv: { NEXT_PUBLIC_STRIPE_SECRET_KEY: TOKEN } },
      TOKEN,
      /^todo-app:backendEnv.NEXT_PUBLIC_STRIPE_SECRET_KEY looks like a secret/,
    );
    expect(
      load({ frontendBuildArgs: { NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_live" } }).frontend.image.buildArgs,
    ).toMatchObject({ NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_live" });
  });

  it("never echoes a nested value", () => {
    refusedWithout(
      { backendEnv: { NESTED: { password: TOKEN } } },
      TOKEN,
      /^todo-app:backendEnv.NESTED is a map \(not shown\): a plain string is accepted/,
    );
  });

  it("masks the user and password of an ingressHost pasted with them", () => {
    refusedWithout(
      { ingressHost: `admin:${TOKEN}@todo.example.com` },
      TOKEN,
      /^todo-app:ingressHost = "\*\*\*\*@todo.example.com" is not valid: a host name alone/,
    );
  });
});

describe("look-alike characters", () => {
  it("in ingressHost are named by code point and position", () => {
    // U+043E, Cyrillic small o, looks like a Latin o.
    expect(problemsOf({ ingressHost: "t\u043edo.example.com" })).toEqual([
      expect.stringMatching(
        /todo-app:ingressHost .* it contains U\+043E at position 2, which is not an ASCII/,
      ),
    ]);
  });

  it("in backendIngressPath are named by code point and position", () => {
    expect(
      problemsOf({
        ingressHost: "todo.example.com",
        exposeBackend: true,
        backendIngressPath: "/b\u0430ckend",
      }),
    ).toEqual([expect.stringMatching(/todo-app:backendIngressPath .* it contains U\+0430 at position 3/)]);
  });
});

describe("combinations that would fail only after the deploy", () => {
  it("refuses CPU autoscaling with a CPU request of 0", () => {
    expect(
      problemsOf({
        backendAutoscaling: { minReplicas: 2, maxReplicas: 4 },
        backendResources: { requests: { cpu: "0" } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^todo-app:backendResources.requests.cpu = "0" is not valid: a CPU request above 0 when backendAutoscaling is set/,
      ),
    ]);
  });

  it("refuses buildTarget minikube for a kind cluster", () => {
    expect(problemsOf({ kubeContext: "kind-dev", buildTarget: "minikube" })).toContainEqual(
      expect.stringMatching(
        /^todo-app:buildTarget = "minikube" is not valid: auto or docker for kube context "kind-dev"/,
      ),
    );
  });

  it("refuses tlsIssuer with an http:// frontendUrl", () => {
    expect(
      problemsOf({
        ingressHost: "todo.example.com",
        tlsIssuer: "letsencrypt-prod",
        frontendUrl: "http://todo.example.com",
        frontendNodePort: 30080,
      }),
    ).toEqual([
      expect.stringMatching(
        /^todo-app:frontendUrl = "http:\/\/todo.example.com" is not valid: an https:\/\//,
      ),
    ]);
  });
});

describe("minikubeContainerRuntime", () => {
  // minikube's own runtime switch takes both spellings for one runtime: kubernetes/minikube
  // pkg/minikube/cruntime/cruntime.go, New: `case "crio", "cri-o": return &CRIO{...}`.
  it("takes crio, as minikube does, for cri-o", () => {
    expect(load({ minikubeContainerRuntime: "crio", databaseUrl: DATABASE_URL })).toBeDefined();
    expect(minikubeRuntimeSetting({ "todo-app:minikubeContainerRuntime": { value: "crio" } })).toBe("cri-o");
  });
});
