/**
 * What a new machine hears when a prerequisite is missing: the minikube download for its own architecture, and,
 * when the `pulumi` npm package cannot download the CLI, why (its launcher says only "fetch failed").
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { describe, expect, it } from "vitest";

import {
  downloadFailureCause,
  downloadProbe,
  installHint,
  locatePulumi,
  minikubeArch,
  pulumiInstallScriptUrl,
} from "../../scripts/lib/prerequisites";
import { PROJECT_DIR } from "../support/program";
import { LINUX_LOOKUP, fails, machine, ok } from "./stubs";

describe("the minikube install command on Linux", () => {
  // The binaries minikube publishes for Linux, one per architecture: kubernetes/minikube Makefile (`cross` and
  // `exotic`: out/minikube-linux-{amd64,arm,arm64,ppc64le,s390x}) and its install page,
  // site/content/en/docs/start/_index.md (the storage.googleapis.com/minikube/releases/latest downloads).
  it.each([
    ["x64", "minikube-linux-amd64"],
    ["arm64", "minikube-linux-arm64"],
    ["arm", "minikube-linux-arm"],
    ["ppc64", "minikube-linux-ppc64le"],
    ["s390x", "minikube-linux-s390x"],
  ])("downloads the binary for the machine's architecture (%s)", (arch, binary) => {
    const hint = installHint("minikube", "linux", arch);
    expect(hint).toContain(`https://storage.googleapis.com/minikube/releases/latest/${binary} `);
    expect(hint).toContain(`sudo install ${binary} /usr/local/bin/minikube`);
  });

  it("points at the install page where minikube publishes no binary for the architecture", () => {
    expect(minikubeArch("riscv64")).toBeUndefined();
    const hint = installHint("minikube", "linux", "riscv64");
    expect(hint).not.toContain("curl");
    expect(hint).toMatch(/no Linux binary for riscv64.*other ways: https:\/\/minikube\.sigs\.k8s\.io/);
  });

  it("uses this machine's architecture when none is given", () => {
    expect(installHint("minikube", "linux")).toBe(installHint("minikube", "linux", process.arch));
  });

  it("is unchanged elsewhere: brew on macOS, winget on Windows", () => {
    expect(installHint("minikube", "darwin", "arm64")).toContain("brew install minikube");
    expect(installHint("minikube", "win32", "arm64")).toContain("winget install Kubernetes.minikube");
  });
});

const lookup = { ...LINUX_LOOKUP, node: "node" };
const SHIM = "/home/dev/todo/node_modules/.bin/pulumi version";
const FETCH_FAILED = fails(1, "", "Downloading pulumi v3.265.0...\npulumi: fetch failed\n");
const INSTALL_SH = "https://get.pulumi.com/install.sh";
const probed = (answer: object) => ok(`${JSON.stringify(answer)}\n`);

function messageOf(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a failure");
}

describe("a first download of the Pulumi CLI that fails", () => {
  it("probes the launcher's host and names the cause, keeping the launcher's words and the install command", () => {
    const run = machine({
      [SHIM]: FETCH_FAILED,
      "node -e": probed({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND get.pulumi.com" }),
    });
    const message = messageOf(() => locatePulumi(run, lookup));
    expect(message).toMatch(
      /could not fetch it \(Downloading pulumi v3\.265\.0\.\.\.; pulumi: fetch failed\)\./,
    );
    expect(message).toMatch(/could not resolve get\.pulumi\.com \(ENOTFOUND\)/);
    expect(message).toMatch(/Behind a proxy\? Set HTTPS_PROXY .*NODE_USE_ENV_PROXY=1/);
    expect(message).toMatch(/Install it: curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
    expect(run.calls).toEqual(["pulumi version", SHIM, `node -e ${downloadProbe(INSTALL_SH)}`]);
  });

  it("does not probe when the launcher failed for another reason", () => {
    const run = machine({
      [SHIM]: fails(1, "", "pulumi: HTTP 404 fetching https://get.pulumi.com/install.sh\n"),
    });
    expect(messageOf(() => locatePulumi(run, lookup))).toMatch(/HTTP 404 .*\)\. Install it:/);
    expect(run.calls.some((call) => call.startsWith("node "))).toBe(false);
  });

  it("says only what the launcher said when the probe itself cannot run", () => {
    const run = machine({ [SHIM]: FETCH_FAILED });
    expect(messageOf(() => locatePulumi(run, lookup))).toMatch(/pulumi: fetch failed\)\. Install it: curl/);
  });

  it.each([
    ["EAI_AGAIN", /could not resolve get\.pulumi\.com \(EAI_AGAIN\)/],
    ["ECONNREFUSED", /connection to get\.pulumi\.com was refused \(ECONNREFUSED\)/],
    ["UND_ERR_CONNECT_TIMEOUT", /connection to get\.pulumi\.com failed \(UND_ERR_CONNECT_TIMEOUT\)/],
    ["EPROTO", /Reaching get\.pulumi\.com failed \(EPROTO: boom\)/],
  ])("names %s", (code, expected) => {
    expect(downloadFailureCause(probed({ code, message: "boom" }), INSTALL_SH, {})).toMatch(expected);
  });

  it("names an untrusted certificate (a TLS-inspecting proxy) and the variable that trusts its CA", () => {
    const cause = downloadFailureCause(
      probed({ code: "SELF_SIGNED_CERT_IN_CHAIN", message: "self-signed certificate in certificate chain" }),
      INSTALL_SH,
      {},
    );
    expect(cause).toMatch(
      /certificate get\.pulumi\.com presented was not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/,
    );
    expect(cause).toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it("says a set HTTPS_PROXY is ignored by Node's fetch, naming the proxy without its credentials", () => {
    const env = { HTTPS_PROXY: "http://alice:s3cr3t-proxy-pass@proxy.corp.example:3128" };
    const cause = downloadFailureCause(probed({ code: "ENOTFOUND", message: "x" }), INSTALL_SH, env)!;
    expect(cause).toMatch(
      /HTTPS_PROXY is set \(http:\/\/proxy\.corp\.example:3128\), but Node's fetch ignores it/,
    );
    expect(cause).not.toMatch(/alice|s3cr3t/);
  });

  it("blames the proxy when Node's fetch used it, and never prints its credentials", () => {
    const env = {
      https_proxy: "http://alice:s3cr3t-proxy-pass@proxy.corp.example:3128",
      NODE_USE_ENV_PROXY: "1",
    };
    const cause = downloadFailureCause(
      probed({
        code: "ECONNREFUSED",
        message: "connect ECONNREFUSED http://alice:s3cr3t-proxy-pass@10.0.0.1:3128",
      }),
      INSTALL_SH,
      env,
    )!;
    expect(cause).toMatch(
      /through the proxy https_proxy names \(http:\/\/proxy\.corp\.example:3128\) failed/,
    );
    expect(cause).not.toMatch(/alice|s3cr3t/);
  });

  it("says so when the host answers by the time it is probed, and nothing on output it cannot read", () => {
    expect(downloadFailureCause(probed({ status: 200 }), INSTALL_SH, {})).toMatch(/answers now .*run again/);
    expect(downloadFailureCause(ok("not json"), INSTALL_SH, {})).toBeUndefined();
    expect(downloadFailureCause(fails(1), INSTALL_SH, {})).toBeUndefined();
  });

  it("probes the URLs the installed launcher downloads from", () => {
    const launcher = fs.readFileSync(path.join(PROJECT_DIR, "node_modules/pulumi/lib/download.js"), "utf8");
    expect(launcher).toContain(`"${pulumiInstallScriptUrl("linux")}"`);
    expect(launcher).toContain(`"${pulumiInstallScriptUrl("win32")}"`);
  });

  it("prints the cause the launcher's fetch error carries, as one JSON line", async () => {
    // A port nothing listens on any more, on this machine: no network, no DNS, no proxy involved.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const script = downloadProbe(`http://127.0.0.1:${port}/install.sh`);
    const result = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      timeout: 20_000,
      env: {},
    });
    expect(JSON.parse(result.stdout.trim())).toEqual({
      code: "ECONNREFUSED",
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});
