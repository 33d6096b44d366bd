/** Finding the tools a deploy needs, and the install command a user gets for each one that is missing. */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";

import { UserError } from "../../scripts/lib/errors";
import {
  PULUMI_FLOOR,
  TOOLS,
  checkPrerequisites,
  dockerDaemonProblem,
  installHint,
  locatePulumi,
  missingToolMessage,
  probeTool,
  pulumiVersionProblem,
  toolNeeds,
  withoutNodeModulesBins,
} from "../../scripts/lib/prerequisites";
import { LINUX_LOOKUP, fails, machine, ok } from "./stubs";

const lookup = LINUX_LOOKUP;

describe("install hints", () => {
  it.each([
    ["pulumi", "linux", "curl -fsSL https://get.pulumi.com | sh"],
    ["pulumi", "darwin", "brew install pulumi/tap/pulumi"],
    ["minikube", "linux", "sudo install minikube-linux-amd64 /usr/local/bin/minikube"],
    ["minikube", "darwin", "brew install minikube"],
    ["minikube", "win32", "winget install Kubernetes.minikube"],
    ["docker", "linux", "curl -fsSL https://get.docker.com | sh"],
    ["docker", "darwin", "brew install --cask docker"],
    ["kubectl", "darwin", "brew install kubectl"],
    ["kubectl", "linux", "minikube kubectl --"],
  ] as const)("tells how to install %s on %s", (tool, platform, command) => {
    expect(installHint(tool, platform)).toContain(command);
  });

  it("gives every tool a documentation page for the platforms without a one-liner", () => {
    for (const tool of TOOLS) {
      expect(installHint(tool, "freebsd")).toMatch(/\(other ways: https:\/\//);
    }
  });

  it("says what the missing tool was needed for", () => {
    expect(missingToolMessage("minikube", "linux", "spawnSync minikube ENOENT")).toMatch(
      /^minikube was not found \(spawnSync minikube ENOENT\); it runs the local Kubernetes cluster/,
    );
  });
});

describe("probeTool", () => {
  it("finds an installed tool and keeps its version line", () => {
    const run = machine({ "minikube version --short": ok("v1.36.0\n") });
    expect(probeTool("minikube", run)).toEqual({ tool: "minikube", present: true, detail: "v1.36.0" });
  });

  it("reports a tool that is not installed, and one that is installed but broken", () => {
    expect(probeTool("docker", machine({})).present).toBe(false);
    const broken = probeTool("kubectl", machine({ kubectl: fails(1, "", "segfault") }));
    expect(broken).toMatchObject({ present: false, detail: "`kubectl version --client` exited 1" });
  });

  it("asks docker for its client version only, so a stopped daemon does not read as a missing CLI", () => {
    const run = machine({ "docker --version": ok("Docker version 28.2.2, build e6534b4") });
    expect(probeTool("docker", run).present).toBe(true);
    expect(run.calls).toEqual(["docker --version"]);
  });
});

describe("dockerDaemonProblem", () => {
  it("passes when the daemon answers", () => {
    expect(dockerDaemonProblem(machine({ "docker info": ok("28.2.2") }), "linux")).toBeUndefined();
  });

  it("says how to start the daemon, per platform", () => {
    const down = machine({
      "docker info": fails(1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."),
    });
    expect(dockerDaemonProblem(down, "linux")).toMatch(
      /Cannot connect to the Docker daemon.*sudo systemctl start docker/,
    );
    expect(dockerDaemonProblem(down, "darwin")).toMatch(/start Docker Desktop/);
  });

  it("asks the configured dockerHost, with its TLS files, and says how to point the stack elsewhere", () => {
    const run = machine({
      "docker --host tcp://10.0.0.5:2376": fails(
        1,
        "",
        "error during connect: dial tcp 10.0.0.5:2376: i/o timeout",
      ),
    });
    const problem = dockerDaemonProblem(run, "linux", { host: "tcp://10.0.0.5:2376", certPath: "/certs" });
    expect(run.calls).toEqual([
      "docker --host tcp://10.0.0.5:2376 --tlsverify --tlscacert /certs/ca.pem --tlscert /certs/cert.pem " +
        "--tlskey /certs/key.pem info --format {{.ServerVersion}}",
    ]);
    expect(problem).toMatch(
      /at tcp:\/\/10\.0\.0\.5:2376 \(todo-app:dockerHost\) does not answer \(error during connect/,
    );
    expect(problem).toContain("npm run pulumi -- config set dockerHost");
  });

  it("says how to install docker when the CLI itself is missing", () => {
    expect(dockerDaemonProblem(machine({}), "darwin")).toMatch(
      /docker CLI.*could not be run.*brew install --cask docker/,
    );
  });
});

describe("the Pulumi CLI version floor", () => {
  it("lets the floor and anything newer through, and an unreadable version too", () => {
    for (const version of [`v${PULUMI_FLOOR}`, "v3.265.0", "v4.0.0", "3.300.1-dev.0", "unknown"]) {
      expect(pulumiVersionProblem(version, "path", "linux"), version).toBeUndefined();
    }
  });

  it("refuses a CLI on PATH older than the floor, naming both versions and how to upgrade", () => {
    const run = machine({ "pulumi version": ok("v3.150.0\n") });
    const attempt = () => locatePulumi(run, lookup);
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(
      new RegExp(`v3\\.150\\.0 \\(on PATH\\) is older than ${PULUMI_FLOOR.replace(/\./g, "\\.")}`),
    );
    expect(attempt).toThrow(/Upgrade it \(curl -fsSL https:\/\/get\.pulumi\.com \| sh\).*npm ci/);
    expect(() => locatePulumi(run, { ...lookup, platform: "darwin" })).toThrow(
      /brew install pulumi\/tap\/pulumi/,
    );
  });

  it("refuses an old download of the npm package (PULUMI_VERSION pointing back) the same way", () => {
    const run = machine({ "/home/dev/todo/node_modules/.bin/pulumi version": ok("v3.100.0") });
    expect(() => locatePulumi(run, { ...lookup, env: { PULUMI_VERSION: "3.100.0" } })).toThrow(
      /v3\.100\.0 \(from the pulumi npm package\) is older than .*unset PULUMI_VERSION/,
    );
  });

  it("is the version Pulumi.yaml's requiredPulumiVersion and the pinned pulumi npm package agree with", () => {
    const root = path.resolve(__dirname, "..", "..");
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
      requiredPulumiVersion: string;
    };
    expect(project.requiredPulumiVersion).toBe(`>=${PULUMI_FLOOR}`);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(pulumiVersionProblem(pkg.devDependencies.pulumi, "npm", "linux")).toBeUndefined();
  });
});

describe("checkPrerequisites", () => {
  const needsAll = { minikube: true, docker: true, kubectl: true };

  it("reports every missing tool at once, each with its install command", () => {
    let message = "";
    try {
      checkPrerequisites(machine({}), { ...lookup, exists: () => false }, needsAll);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^3 prerequisites are missing or too old:/);
    expect(message).toContain("pulumi was not found");
    expect(message).toContain("curl -fsSL https://get.pulumi.com | sh");
    expect(message).toContain("minikube was not found");
    expect(message).toContain("sudo install minikube-linux-amd64 /usr/local/bin/minikube");
    expect(message).toContain("docker was not found");
    expect(message).toContain("curl -fsSL https://get.docker.com | sh");
    // kubectl has a fallback, so it is listed as a note, not counted.
    expect(message).toMatch(/Also:\n {2}- kubectl was not found.*minikube kubectl --/s);
  });

  it("counts a too-old Pulumi CLI among them", () => {
    const run = machine({ "pulumi version": ok("v3.100.0"), "kubectl version --client": ok("v1.32") });
    expect(() => checkPrerequisites(run, lookup, needsAll)).toThrow(
      /^3 prerequisites are missing or too old:\n {2}- The Pulumi CLI v3\.100\.0.*\n {2}- minikube was not found.*\n {2}- docker was not found/s,
    );
  });

  it("asks only for what the stack needs, and goes on with a note when only kubectl is missing", () => {
    const run = machine({ "pulumi version": ok("v3.265.0"), "minikube version --short": ok("v1.36.0") });
    const result = checkPrerequisites(run, lookup, { minikube: true, docker: false, kubectl: true });
    expect(result.location).toEqual({ kind: "path", version: "v3.265.0" });
    expect(result.notes).toEqual([expect.stringMatching(/^kubectl was not found/)]);
    expect(run.calls).not.toContain("docker --version");
  });

  it("finds the CLI with its own runner, which may wait for the first download", () => {
    const quick = machine({
      "minikube version --short": ok("v1.36.0"),
      "kubectl version --client": ok("v1"),
    });
    const slow = machine({ "pulumi version": ok("v3.265.0") });
    checkPrerequisites(quick, lookup, { minikube: true, docker: false, kubectl: true }, slow);
    expect(slow.calls).toEqual(["pulumi version"]);
    expect(quick.calls).not.toContain("pulumi version");
  });
});

describe("toolNeeds", () => {
  it("needs minikube for a minikube stack and docker for the local and registry targets", () => {
    expect(toolNeeds("up", { usesMinikube: true, buildTarget: "minikube" })).toEqual({
      kind: false,
      minikube: true,
      docker: false,
      kubectl: true,
    });
    expect(toolNeeds("down", { usesMinikube: false, buildTarget: "docker" })).toMatchObject({ docker: true });
    expect(toolNeeds("preview", { usesMinikube: false, buildTarget: "registry" })).toEqual({
      kind: false,
      minikube: false,
      docker: true,
      kubectl: false,
    });
  });

  it("needs kind for up of a kind cluster (it loads the images into the nodes), and only then", () => {
    const kind = { usesMinikube: false, buildTarget: "docker", kubeContext: "kind-dev" };
    expect(toolNeeds("up", kind).kind).toBe(true);
    expect(toolNeeds("preview", kind).kind).toBe(false);
    expect(toolNeeds("up", { ...kind, kubeContext: "docker-desktop" }).kind).toBe(false);
  });

  it("reports a missing kind with docker's and minikube's in the same first pass", () => {
    const run = machine({
      "pulumi version": ok("v3.270.0\n"),
      "docker --version": ok("Docker version 28.0.1"),
    });
    expect(() =>
      checkPrerequisites(
        run,
        lookup,
        toolNeeds("up", { usesMinikube: false, buildTarget: "docker", kubeContext: "kind-dev" }),
      ),
    ).toThrow(/kind was not found.*loads the images into the kind cluster's nodes/s);
  });
});

describe("locatePulumi", () => {
  it("prefers the Pulumi CLI on PATH and never touches the npm package then", () => {
    const run = machine({ "pulumi version": ok("v3.270.0\n") });
    expect(locatePulumi(run, lookup)).toEqual({ kind: "path", version: "v3.270.0" });
    expect(run.calls).toEqual(["pulumi version"]);
  });

  it("falls back to the pulumi npm package and points the Automation API at its download folder", () => {
    const run = machine({ "/home/dev/todo/node_modules/.bin/pulumi version": ok("v3.265.0\n") });
    expect(locatePulumi(run, lookup)).toEqual({
      kind: "npm",
      shim: "/home/dev/todo/node_modules/.bin/pulumi",
      root: "/home/dev/.pulumi/versions/3.265.0",
      version: "v3.265.0",
    });
  });

  it("looks for the npm package's download under PULUMI_HOME and PULUMI_VERSION when they are set", () => {
    const run = machine({ "/home/dev/todo/node_modules/.bin/pulumi version": ok("v3.300.0") });
    const env = { PULUMI_HOME: "/opt/pulumi", PULUMI_VERSION: "3.300.0" };
    expect(locatePulumi(run, { ...lookup, env })).toMatchObject({ root: "/opt/pulumi/versions/3.300.0" });
  });

  it("without the CLI and without `npm ci`, says both ways to get it", () => {
    const attempt = () => locatePulumi(machine({}), { ...lookup, exists: () => false });
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/curl -fsSL https:\/\/get\.pulumi\.com \| sh.*run `npm ci`/s);
  });

  it("explains a failed first download (offline) with the shim's own error and the install command", () => {
    const run = machine({
      "/home/dev/todo/node_modules/.bin/pulumi version": fails(
        1,
        "",
        "Downloading pulumi v3.265.0...\npulumi: fetch failed\n",
      ),
    });
    expect(() => locatePulumi(run, lookup)).toThrow(
      /could not fetch it \(Downloading pulumi v3\.265\.0\.\.\.; pulumi: fetch failed\)\. Install it: curl/,
    );
  });
});

describe("withoutNodeModulesBins", () => {
  it("drops npm's node_modules/.bin entries so the npm shim cannot shadow an installed Pulumi CLI", () => {
    const npmPath =
      "/repo/node_modules/.bin:/node_modules/.bin:/home/dev/.pulumi/bin:/usr/local/bin:/usr/bin";
    expect(withoutNodeModulesBins(npmPath, ":")).toBe("/home/dev/.pulumi/bin:/usr/local/bin:/usr/bin");
  });

  it("handles Windows paths and trailing separators", () => {
    const npmPath = "C:\\repo\\node_modules\\.bin\\;C:\\Program Files\\Pulumi\\bin";
    expect(withoutNodeModulesBins(npmPath, ";")).toBe("C:\\Program Files\\Pulumi\\bin");
  });
});
