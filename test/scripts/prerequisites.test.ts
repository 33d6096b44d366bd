/** Finding the tools a deploy needs, and the install command a user gets for each one that is missing. */
import { describe, expect, it } from "vitest";

import { UserError } from "../../scripts/lib/errors";
import {
  TOOLS,
  dockerDaemonProblem,
  installHint,
  locatePulumi,
  missingToolMessage,
  probeTool,
  withoutNodeModulesBins,
} from "../../scripts/lib/prerequisites";
import { fails, machine, ok } from "./stubs";

const lookup = {
  projectDir: "/home/dev/todo",
  env: {},
  homedir: "/home/dev",
  platform: "linux" as NodeJS.Platform,
  exists: () => true,
  npmPackageVersion: "3.265.0",
};

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
