/**
 * Values Kubernetes or the tools would refuse later are refused now, each naming the key, the value (never a
 * secret's) and what is accepted.
 */
import { describe, expect, it } from "vitest";

import { dockerHostProblem } from "../../config/build";
import { invisibleCharacter, minikubeProfileProblem } from "../../config/validate";
import { isQuantity, quantityProblem, quantityValue } from "../../k8s/resources";
import { load, problemsOf } from "./support";

describe("resource quantities", () => {
  // The grammar of k8s.io/apimachinery pkg/api/resource/quantity.go (ParseQuantity, parseQuantityString):
  // <signedNumber><suffix>, <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>, and a
  // <decimalExponent> of "e" or "E" and a signed integer.
  it.each(["1E3", "1e3", "1e-3", "1E+2", "+1", ".5", "5.", "250m", "1.5Gi", "100n", "2u", "0", "1E"])(
    "accepts %s, as the API server does",
    (q) => {
      expect(isQuantity(q)).toBe(true);
      expect(load({ backendResources: { requests: { memory: q }, limits: { memory: q } } })).toBeDefined();
    },
  );

  it.each(["1K", "1kb", "1 Gi", "1e3.5", "e3", ".", "+", "1e", "1Mi3", "0x10"])(
    "refuses %s, as the API server does",
    (q) => {
      expect(isQuantity(q)).toBe(false);
    },
  );

  it("reads exponents and suffixes at their value", () => {
    expect(quantityValue("1E3")).toBe(1000);
    expect(quantityValue("1e-3")).toBe(0.001);
    expect(quantityValue(".5")).toBe(0.5);
    expect(quantityValue("1E")).toBe(1e18);
  });

  it("refuses negative quantities and ones past int64, naming the key", () => {
    expect(quantityProblem("cpu", "-1")).toBe("it is negative");
    expect(quantityProblem("memory", "8Ei")).toMatch(/more than Kubernetes can count in bytes/);
    expect(quantityProblem("cpu", "1e16")).toMatch(/millicores/);
    const problems = problemsOf({ backendResources: { limits: { memory: "-1Gi", cpu: "1e400" } } });
    // In the CLI's order: it hands a map over as Go's json.Marshal writes it, keys sorted.
    expect(problems).toEqual([
      expect.stringMatching(/^todo-app:backendResources.limits.cpu = "1e400" is not valid: .*millicores/),
      expect.stringMatching(
        /^todo-app:backendResources.limits.memory = "-1Gi" is not valid: a non-negative Kubernetes quantity as a string \(it is negative\)/,
      ),
    ]);
  });
});

describe("secrets", () => {
  it("refuses a secret that is only white space, without echoing it", () => {
    const problems = problemsOf({ cohereApiKey: " \t ", betterAuthSecret: "   ", registryPassword: "\n" });
    expect(problems).toEqual([
      expect.stringMatching(
        /^todo-app:cohereApiKey is set but holds only white space \(the value is not shown\)/,
      ),
      expect.stringMatching(/^todo-app:betterAuthSecret is set but holds only white space/),
      expect.stringMatching(/^todo-app:registryPassword is set but holds only white space/),
    ]);
  });

  it("counts betterAuthSecret's minimum in UTF-8 bytes, not characters", () => {
    // 31 characters, 62 bytes: long enough.
    expect(load({ betterAuthSecret: "é".repeat(31) }).secrets.betterAuthSecret).toBeDefined();
    // 32 characters of which 31 bytes... only ASCII counts one each: 31 ASCII characters are too short.
    const problems = problemsOf({ betterAuthSecret: "a".repeat(31) });
    expect(problems).toEqual([
      expect.stringMatching(/betterAuthSecret is 31 bytes long \(UTF-8; the value is not shown\)/),
    ]);
    expect(problems[0]).not.toContain("a".repeat(31));
  });
});

describe("published URLs", () => {
  it("refuses credentials in frontendUrl and backendPublicUrl, never echoing the password", () => {
    const problems = problemsOf({
      frontendUrl: "https://user:hunter2@todo.example.com",
      backendPublicUrl: "https://admin:s3cret@api.example.com/",
      exposeBackend: "true",
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^todo-app:frontendUrl = "https:\/\/todo.example.com" is not valid: a URL without a user or password/,
      ),
      expect.stringMatching(
        /^todo-app:backendPublicUrl = "https:\/\/api.example.com" is not valid: a URL without a user or password/,
      ),
    ]);
    expect(problems.join("\n")).not.toMatch(/hunter2|s3cret|user:|admin/);
  });
});

describe("the ConfigMap size limit", () => {
  // kubernetes pkg/apis/core/validation/validation.go ValidateConfigMap refuses data over core.MaxSecretSize,
  // 1 MiB (pkg/apis/core/types.go).
  it("refuses env settings that together pass 1 MiB, naming the largest", () => {
    const big = "x".repeat(600 * 1024);
    const problems = problemsOf({
      backendEnv: { A: big },
      frontendEnv: { B: big },
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /over the 1048576 bytes \(1 MiB\) Kubernetes accepts in a ConfigMap; the largest: todo-app:backendEnv.A \(614401 bytes\), todo-app:frontendEnv.B/,
      ),
    ]);
  });

  it("accepts settings under the limit", () => {
    expect(load({ backendEnv: { A: "x".repeat(500 * 1024) } }).backend.env.A).toHaveLength(500 * 1024);
  });
});

describe("Docker hosts", () => {
  it.each([
    "tcp://10.0.0.5:2376",
    "tcp://[::1]:2376",
    "unix:///var/run/docker.sock",
    "ssh://dev@build.example.com",
    "ssh://build:2222",
    "npipe:////./pipe/docker_engine",
  ])("accepts %s", (host) => expect(dockerHostProblem(host)).toBeUndefined());

  it.each([
    ["10.0.0.5:2376", "it has no scheme://"],
    ["tcp://10.0.0.5", "a tcp:// address needs a port, e.g. tcp://host:2376"],
    ["tcp://10.0.0.5:99999", "its port is not a number from 1 to 65535"],
    ["tcp://10.0.0.5:0", "its port is not a number from 1 to 65535"],
    ["tcp://host:port", "its port is not a number from 1 to 65535"],
    ["unix://var/run/docker.sock", "a unix:// address needs an absolute path"],
    ["http://10.0.0.5:2376", 'its scheme is "http"'],
    ["tcp://:2376", "it has no host"],
    ["tcp://10.0.0.5:2376/v1", "it has a path, which a tcp:// or ssh:// address never has"],
  ])("refuses %s: %s", (host, why) => expect(dockerHostProblem(host)).toBe(why));

  it("never echoes a password in an ssh address", () => {
    const problems = problemsOf({ dockerHost: "ssh://dev:pw123@build" });
    expect(problems).toEqual([
      expect.stringMatching(/^todo-app:dockerHost = "ssh:\/\/build" is not valid \(it carries a password/),
    ]);
    expect(problems[0]).not.toContain("pw123");
  });
});

describe("image references", () => {
  it.each([
    ["postgresImage", "Postgres:16"],
    ["postgresImage", "postgres:16 bookworm"],
    ["backendBaseImage", "https://ghcr.io/acme/python:3.12"],
    ["frontendBaseImage", "node:-20"],
  ])("refuses %s = %s, naming the grammar", (key, value) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toEqual([
      expect.stringContaining(
        `todo-app:${key} = ${JSON.stringify(value)} is not valid: an image reference as Docker parses it`,
      ),
    ]);
  });
});

describe("the database volume", () => {
  it("refuses a volume under 64Mi, too small for initdb, and accepts 64Mi", () => {
    expect(problemsOf({ postgresStorageSize: "32Mi" })).toEqual([
      expect.stringMatching(
        /^todo-app:postgresStorageSize = "32Mi" is not valid: a storage quantity of at least 64Mi \(it is under 64Mi\).*initdb/,
      ),
    ]);
    expect(() => load({ databaseUrl: "", postgresStorageSize: "64Mi" })).not.toThrow();
  });
});

describe("minikube profiles", () => {
  // minikube pkg/minikube/config/profile.go: ProfileNameValid (the RestrictedNamePattern and len > 1) and
  // ProfileNameInReservedKeywords.
  it.each(["dev", "team-a", "a1.b2", "Minikube"])("accepts %s", (name) =>
    expect(minikubeProfileProblem(name)).toBeUndefined(),
  );
  it.each(["a", "-dev", "dev-", "dev_1", "dev..x", "dev;rm", "start", "Logs"])("refuses %s", (name) =>
    expect(minikubeProfileProblem(name)).toBeDefined(),
  );

  it("names minikubeProfile, or kubeContext when the profile is the context's name", () => {
    expect(problemsOf({ minikubeProfile: "my_profile" })).toEqual([
      expect.stringMatching(
        /^todo-app:minikubeProfile = "my_profile" is not valid: a minikube profile name, as minikube accepts it/,
      ),
    ]);
    expect(problemsOf({ kubeContext: "x", buildTarget: "minikube" })).toEqual([
      expect.stringMatching(
        /^todo-app:kubeContext = "x" is not valid: .*\(the minikube profile is the context's name; or set minikubeProfile\)/,
      ),
    ]);
  });
});

describe("invisible characters", () => {
  it("says which key holds one and at which position, by code point", () => {
    expect(problemsOf({ kubeContext: "mini\u200Bkube" })).toEqual([
      'todo-app:kubeContext = "mini\u200Bkube" is not valid: a context name without invisible characters: it contains one (U+200B) at position 5, which no `kubectl config get-contexts` line shows; retype the name.',
    ]);
    expect(problemsOf({ minikubeProfile: "dev\u00A0" })[0]).toMatch(
      /^todo-app:minikubeProfile = .* contains one \(U\+00A0\) at position 4/,
    );
  });

  it("finds controls, format characters and blank marks, and not visible letters", () => {
    expect(invisibleCharacter("a\u0007b")).toEqual({ position: 2, codePoint: "U+0007" });
    expect(invisibleCharacter("\uFEFFkind")).toEqual({ position: 1, codePoint: "U+FEFF" });
    expect(invisibleCharacter("😀\u202Ekind")).toEqual({ position: 2, codePoint: "U+202E" });
    expect(invisibleCharacter("kind-dév")).toBeUndefined();
  });
});
