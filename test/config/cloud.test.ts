/**
 * The cloud settings (issue 15): every bad value of the Ingress and autoscaling settings is refused in the
 * config phase, naming the key (or its field), the value and what is accepted; and what a valid cloud stack's
 * settings become (URLs, exposure, warnings).
 */
import { describe, expect, it } from "vitest";

import { loadSettings } from "../../config";
import { ingressHostProblem, ingressPathProblem } from "../../config/ingress";
import { TLS_SECRET_NAME } from "../../k8s/ingress";
import * as fs from "fs";
import * as YAML from "yaml";

import { SECRET_KEY_NAMES } from "../../config";
import { CliConfigError, type StackValues } from "../support/cliConfig";
import { CLOUD_EXAMPLE_FILE, CLOUD_STACK, DATABASE_URL, stackFileConfig } from "../support/stacks";
import { load, machine, problemsOf, source } from "./support";

const INGRESS = { ingressHost: "todo.example.com" };

describe("ingressHost", () => {
  it.each(["todo.example.com", "a.b", "x-1.example.co.uk", `${"a".repeat(63)}.example.com`])(
    "accepts %s",
    (host) => expect(ingressHostProblem(host)).toBeUndefined(),
  );

  it.each([
    ["*.example.com", /wildcard/],
    ["https://todo.example.com", /without a scheme, port or path/],
    ["todo.example.com:443", /without a scheme, port or path/],
    ["todo.example.com/app", /without a scheme, port or path/],
    ["10.0.0.1", /cannot be an IP address/],
    ["Todo.Example.com", /lower case/],
    ["localhost", /at least two dot-separated labels/],
    ["todo.example.com.", /no trailing dot/],
    ["todo_app.example.com", /RFC 1123/],
    [`${"a".repeat(64)}.example.com`, /at most 63 characters/],
    [`${"a.".repeat(127)}com`, /253 in all/],
  ])("refuses %s", (host, why) => {
    expect(ingressHostProblem(host)).toMatch(why);
    const problems = problemsOf({ ingressHost: host });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`todo-app:ingressHost = ${JSON.stringify(host)} is not valid: `);
  });
});

describe("the other Ingress settings", () => {
  it.each([
    [
      { ingressClass: "Nginx Class" },
      /^todo-app:ingressClass = "Nginx Class" is not valid: the name of an IngressClass/,
    ],
    [
      { tlsIssuer: "letsencrypt_prod" },
      /^todo-app:tlsIssuer = "letsencrypt_prod" is not valid: the name of a cert-manager ClusterIssuer/,
    ],
    [
      { ingressControllerNamespace: "ingress.nginx" },
      /^todo-app:ingressControllerNamespace = "ingress.nginx" is not valid: the namespace/,
    ],
    [{ ingressControllerNamespace: "" }, /^todo-app:ingressControllerNamespace = "" is not valid/],
    [
      { exposeBackend: "true", backendIngressPath: "/" },
      /^todo-app:backendIngressPath = "\/" is not valid: .*not \/: that is the frontend's/,
    ],
    [
      { exposeBackend: "true", backendIngressPath: "backend" },
      /^todo-app:backendIngressPath = "backend" is not valid: an absolute path prefix/,
    ],
    [
      { exposeBackend: "true", backendIngressPath: "/backend/" },
      /^todo-app:backendIngressPath = "\/backend\/" is not valid: .*no trailing slash/,
    ],
    [
      { exposeBackend: "true", backendIngressPath: "/a/../b" },
      /^todo-app:backendIngressPath = "\/a\/..\/b" is not valid: .*no \. or \.\. segment/,
    ],
    [
      { exposeBackend: "true", backendIngressPath: "/api(.*)" },
      /^todo-app:backendIngressPath = "\/api\(\.\*\)" is not valid/,
    ],
    [
      { exposeBackend: "true" },
      /^todo-app:backendIngressPath = "" is not valid: a path prefix when exposeBackend is true with ingressHost/,
    ],
    [
      { backendIngressPath: "/backend" },
      /^todo-app:backendIngressPath = "\/backend" is not valid: set only with exposeBackend true/,
    ],
    [
      { frontendNodePort: 30090 },
      /^todo-app:frontendNodePort = "30090" is not valid: no value with ingressHost/,
    ],
    [
      { exposeBackend: true, backendIngressPath: "/b", backendNodePort: 30091 },
      /^todo-app:backendNodePort = "30091" is not valid: no value with ingressHost/,
    ],
  ])("with ingressHost, refuses %j, naming the key", (bad, message) => {
    expect(problemsOf({ ...INGRESS, ...bad })).toEqual([expect.stringMatching(message)]);
  });

  // The CLI merges Pulumi.yaml's defaults into every stack (ingressClass nginx, frontendNodePort 30080, ...):
  // a value equal to its default counts as unset (config/reader.ts), so only a value the user chose is refused.
  it("takes every default as unset: the CLI's merged defaults alone are no problem, with or without ingressHost", () => {
    expect(() => load({})).not.toThrow();
    expect(() => load({ ingressHost: "todo.example.com" })).not.toThrow();
    expect(() => load({ ingressClass: "nginx", ingressControllerNamespace: "ingress-nginx" })).not.toThrow();
  });

  it.each([
    ["ingressClass", "traefik"],
    ["tlsIssuer", "letsencrypt-prod"],
    ["backendIngressPath", "/backend"],
    ["ingressControllerNamespace", "kube-ingress"],
  ])("refuses %s = %s without ingressHost, which it would not affect", (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([
      `todo-app:${key} = ${JSON.stringify(value)} is not valid: set only with ingressHost, which turns the Ingress on.`,
    ]);
  });

  it("accepts the backend's path prefixes a browser would call", () => {
    for (const path of ["/backend", "/todo-api", "/apis", "/v1/api", "/next", "/b.e_k~-1"]) {
      expect(ingressPathProblem(path)).toBeUndefined();
    }
  });

  // An Ingress Prefix path matches element by element (k8s.io/api networking/v1 HTTPIngressPath.pathType, in
  // @pulumi/kubernetes types/input.d.ts: "/foo/bar matches /foo/bar/baz, but does not match /foo/barbaz"), so
  // /api takes the frontend's /api/health, which npm run up fetches (scripts/lib/verify.ts), and /apis takes none.
  it.each([
    ["/api", "all of /api"],
    ["/api/health", "part of /api"],
    ["/api/auth", "part of /api"],
    ["/API", "all of /api"],
    ["/_next", "all of /_next"],
    ["/_next/static", "part of /_next"],
  ])("refuses %s, which would take the frontend's own paths", (path, taken) => {
    expect(problemsOf({ ...INGRESS, exposeBackend: "true", backendIngressPath: path })).toEqual([
      `todo-app:backendIngressPath = ${JSON.stringify(path)} is not valid: an absolute path prefix such as ` +
        "/backend or /todo-api, outside the frontend's own paths: /api and /_next and everything under them are " +
        "the frontend's (its health check /api/health, its API and auth routes, its scripts), and " +
        `${path} would send ${taken} to the backend.`,
    ]);
  });

  it("reports every problem of the stack at once", () => {
    expect(
      problemsOf({ ingressHost: "*.x.com", tlsIssuer: "A", ingressClass: "B", frontendNodePort: "0" }),
    ).toHaveLength(4);
  });
});

describe("autoscaling", () => {
  const bounds = (value: Record<string, unknown>) => ({ frontendAutoscaling: value });

  it.each([
    [
      { minReplicas: 0, maxReplicas: 3 },
      /^todo-app:frontendAutoscaling.minReplicas = "0" is not valid: a whole number from 1 to 100 \(required; the HPA never scales a service to zero\)/,
    ],
    [
      { minReplicas: 3, maxReplicas: 2 },
      /^todo-app:frontendAutoscaling.maxReplicas = "2" is not valid: a whole number from minReplicas \(3\) to 100/,
    ],
    [{ minReplicas: 2, maxReplicas: 101 }, /^todo-app:frontendAutoscaling.maxReplicas = "101" is not valid/],
    [
      { minReplicas: 2, maxReplicas: 4, targetCPUUtilization: 0 },
      /^todo-app:frontendAutoscaling.targetCPUUtilization = "0" is not valid: a whole number from 1 to 100/,
    ],
    [
      { minReplicas: 2, maxReplicas: 4, targetCPUUtilization: 101 },
      /^todo-app:frontendAutoscaling.targetCPUUtilization = "101" is not valid/,
    ],
    [{ minReplicas: 1.5, maxReplicas: 4 }, /^todo-app:frontendAutoscaling.minReplicas = "1.5" is not valid/],
    [
      { minReplicas: "two", maxReplicas: 4 },
      /^todo-app:frontendAutoscaling.minReplicas = "\\"two\\"" is not valid/,
    ],
    [{ maxReplicas: 4 }, /^todo-app:frontendAutoscaling.minReplicas = "" is not valid: .*\(required/],
    [{ minReplicas: 2 }, /^todo-app:frontendAutoscaling.maxReplicas = "" is not valid: .*\(required\)/],
    [
      { minReplicas: 2, maxReplicas: 4, targetCPU: 80 },
      /^todo-app:frontendAutoscaling.targetCPU = "targetCPU" is not valid: a field of minReplicas, maxReplicas, targetCPUUtilization/,
    ],
  ])("refuses %j, naming the field", (value, message) => {
    expect(problemsOf(bounds(value))).toEqual([expect.stringMatching(message)]);
  });

  // The CLI refuses these before the program runs (test/support/cliConfig.ts); with --skip-config-validation
  // the program refuses them itself.
  it.each([[[1, 2]], ["on"], ["{not json"], [3]])("refuses %j, which is not an object", (value) => {
    expect(() => load({ backendAutoscaling: value })).toThrow(
      new CliConfigError("Stack 'dev' with configuration key 'backendAutoscaling' must be of type 'object'"),
    );
    expect(() =>
      loadSettings(
        source({ databaseUrl: DATABASE_URL, backendAutoscaling: value }, { validate: false }),
        machine(),
        "dev",
      ),
    ).toThrow(/todo-app:backendAutoscaling = .* is not valid: an object like \{"minReplicas":2/);
  });

  // YAML and `config set --path` both give numbers (pulumi/pulumi sdk/go/common/resource/config/map.go Set and
  // value.go coerceObject turn a digits-only path value into one); a quoted "1" in the stack file is a string.
  it("takes numbers, and strings of digits as a stack file quoting them gives", () => {
    const settings = load({
      frontendAutoscaling: { minReplicas: 2, maxReplicas: 6 },
      backendAutoscaling: { minReplicas: "1", maxReplicas: "3", targetCPUUtilization: "60" },
    });
    expect(settings.frontend.autoscaling).toEqual({
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilization: 80,
    });
    expect(settings.backend.autoscaling).toEqual({
      minReplicas: 1,
      maxReplicas: 3,
      targetCPUUtilization: 60,
    });
  });

  it("is off by default, and with {}", () => {
    expect(load({}).frontend.autoscaling).toBeUndefined();
    expect(load({ backendAutoscaling: {} }).backend.autoscaling).toBeUndefined();
  });

  it("refuses replicas when both services autoscale, since nothing would read it", () => {
    const both = {
      ...bounds({ minReplicas: 2, maxReplicas: 4 }),
      backendAutoscaling: { minReplicas: 2, maxReplicas: 4 },
    };
    expect(problemsOf({ ...both, replicas: 3 })).toEqual([
      expect.stringMatching(
        /^todo-app:replicas = "3" is not valid: no value when both backendAutoscaling and frontendAutoscaling are set/,
      ),
    ]);
    expect(load({ ...bounds({ minReplicas: 2, maxReplicas: 4 }), replicas: 3 }).replicas).toBe(3);
    // The default the CLI merges in (2) is no value of the user's: both autoscaling alone is fine.
    expect(load(both).replicas).toBe(2);
  });
});

describe("a cloud stack's settings", () => {
  const cloud = { ...CLOUD_STACK, databaseUrl: DATABASE_URL };

  it("publish https://<ingressHost> as the app's URL with a tlsIssuer, and http:// without, with a warning", () => {
    expect(load(cloud).frontendUrl).toBe("https://todo.example.com");
    const plain = load(Object.fromEntries(Object.entries(cloud).filter(([k]) => k !== "tlsIssuer")));
    expect(plain.frontendUrl).toBe("http://todo.example.com");
    expect(plain.warnings.join("\n")).toMatch(/todo-app:tlsIssuer is not set.*plain HTTP|serves plain HTTP/);
  });

  it("keep a configured frontendUrl (TLS ended in front of the cluster), without the plain-HTTP warning", () => {
    const settings = load({
      ...Object.fromEntries(Object.entries(cloud).filter(([k]) => k !== "tlsIssuer")),
      frontendUrl: "https://todo.example.com",
    });
    expect(settings.frontendUrl).toBe("https://todo.example.com");
    expect(settings.warnings).toEqual([expect.stringMatching(/sslmode/)]);
  });

  it("serve an exposed backend at its path on the Ingress, with no NodePort", () => {
    const settings = load({ ...cloud, exposeBackend: "true", backendIngressPath: "/backend" });
    expect(settings.backendPublicUrl).toBe("https://todo.example.com/backend");
    expect(settings.backend.expose).toBeUndefined();
    expect(settings.ingress).toEqual({
      host: "todo.example.com",
      className: "nginx",
      tlsIssuer: "letsencrypt-prod",
      backendPath: "/backend",
      controllerNamespace: "ingress-nginx",
    });
    expect(TLS_SECRET_NAME).toBe("todo-tls");
  });

  it("leave the class to the cluster's default when ingressClass is set empty", () => {
    expect(load({ ...cloud, ingressClass: "" }).ingress?.className).toBeUndefined();
  });

  it("warn when the in-cluster database would sit on the default StorageClass of a cloud cluster", () => {
    const inCluster = Object.fromEntries(
      Object.entries(CLOUD_STACK).filter(([k]) => k !== "postgresStorageClass"),
    );
    const { warnings } = loadWithoutDatabaseUrl(inCluster);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^The database runs in the cluster on its default StorageClass \(todo-app:postgresStorageClass is not set\).*reclaimPolicy Retain.*`npm run pulumi -- config set postgresStorageClass <class>`/,
      ),
    ]);
    expect(loadWithoutDatabaseUrl(CLOUD_STACK).warnings).toEqual([]);
    // A local cluster's default class is what minikube users want: no warning there.
    expect(loadWithoutDatabaseUrl({}).warnings).toEqual([]);
  });
});

function loadWithoutDatabaseUrl(values: StackValues) {
  return loadSettings(source(values), machine(), "dev");
}

describe("Pulumi.cloud.example.yaml", () => {
  const text = fs.readFileSync(CLOUD_EXAMPLE_FILE, "utf8");
  const config = stackFileConfig(CLOUD_EXAMPLE_FILE);

  it("holds no secret, not even encrypted: each is set per stack, and its comments say with which command", () => {
    const keys = Object.keys((YAML.parse(text) as { config: Record<string, unknown> }).config);
    expect(
      keys.filter((key) => (SECRET_KEY_NAMES as string[]).includes(key.replace(/^todo-app:/, ""))),
    ).toEqual([]);
    expect(text).not.toMatch(/secure:/);
    expect(text).toContain("npm run pulumi -- config set --secret <key>");
    for (const secret of ["registryPassword", "databaseUrl", "cohereApiKey"]) {
      expect(text).toMatch(new RegExp(`^#\\s+${secret}\\s`, "m"));
    }
  });

  it("needs exactly the secret its comments call required: without registryPassword it is refused, naming it", () => {
    expect(problemsOf({ ...config })).toEqual([expect.stringMatching(/todo-app:registryPassword/)]);
  });

  it("comments every setting it makes", () => {
    // Each `todo-app:` line is preceded (within its block) by a comment line: nothing is set unexplained.
    const blocks = text.split(/\n\s*\n/);
    for (const key of Object.keys(config)) {
      const block = blocks.find((b) => new RegExp(`^\\s+todo-app:${key}:`, "m").test(b));
      expect(block, key).toBeDefined();
      expect(block, key).toMatch(/^\s+#/m);
    }
  });
});
