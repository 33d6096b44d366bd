import { describe, expect, it } from "vitest";

import { type Machine, loadSettings } from "../../config";
import type { StackValues } from "../support/cliConfig";
import { MINIKUBE_DOCKER_ENV, PROJECT_DIR } from "../support/program";
import { source } from "./support";

const machine: Machine = {
  projectDir: PROJECT_DIR,
  env: {},
  homedir: "/home/dev",
  exists: () => true,
  readKubeconfig: () => undefined,
  run: (command) =>
    command === "minikube"
      ? { status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" }
      : { status: null, stdout: "", stderr: "", error: new Error("ENOENT") },
};
const warningsOf = (values: StackValues) => loadSettings(source(values), machine, "dev").warnings;

describe("an external database without sslmode", () => {
  it("is warned about at every preview, naming the key and how to fix it, never the URL", () => {
    const warnings = warningsOf({ databaseUrl: "postgresql://app:s3cret-pass@db.example.com:5432/todo" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^todo-app:databaseUrl sets no sslmode.*\?sslmode=require/);
    expect(warnings[0]).not.toContain("s3cret-pass");
    expect(warnings[0]).not.toContain("db.example.com");
  });

  it.each(["require", "verify-full", "disable"])(
    "is not warned about with sslmode=%s (a choice was made)",
    (mode) => {
      expect(warningsOf({ databaseUrl: `postgresql://app:pw@db.example.com/todo?sslmode=${mode}` })).toEqual(
        [],
      );
    },
  );

  it("does not apply to the in-cluster database, which never leaves the cluster network", () => {
    expect(warningsOf({})).toEqual([]);
  });
});
