/**
 * How long an update waits for a Deployment's rollout: the `rolloutTimeout` setting becomes the
 * `pulumi.com/timeoutSeconds` annotation, which pulumi-kubernetes reads as the await timeout of that object
 * (pulumi/pulumi-kubernetes provider/pkg/metadata/overrides.go TimeoutDuration: customTimeouts first, then the
 * annotation; provider/pkg/await/deployment.go: DefaultDeploymentTimeoutMins = 10 otherwise). A crash-looping
 * edit under `npm run dev` therefore fails its cycle after the stack's timeout, not after ten minutes.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";

import { PROJECT_DIR, runProgram, runProgramError } from "../support/program";
import { DATABASE_URL } from "../support/stacks";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("rolloutTimeout", () => {
  it("defaults to the provider's own ten minutes, on both Deployments", async () => {
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL }, sharedValues: false });
    const deployments = run.byType(DEPLOYMENT);
    expect(deployments).toHaveLength(2);
    for (const deployment of deployments) {
      expect(deployment.inputs.metadata.annotations).toEqual({ "pulumi.com/timeoutSeconds": "600" });
    }
  });

  it("is three minutes on this repository's stacks (Pulumi.yaml's shared value), and what a stack sets", async () => {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { value?: unknown }>;
    };
    expect(project.config.rolloutTimeout.value).toBe(180);
    const shared = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    const own = await runProgram({ config: { databaseUrl: DATABASE_URL, rolloutTimeout: 300 } });
    for (const [run, seconds] of [
      [shared, "180"],
      [own, "300"],
    ] as const) {
      for (const deployment of run.byType(DEPLOYMENT)) {
        expect(deployment.inputs.metadata.annotations["pulumi.com/timeoutSeconds"]).toBe(seconds);
      }
    }
  });

  it("leaves a value that is not a whole number to the CLI, which refuses it before the program starts", async () => {
    await expect(runProgram({ config: { databaseUrl: DATABASE_URL, rolloutTimeout: "2m" } })).rejects.toThrow(
      "Stack 'dev' with configuration key 'rolloutTimeout' must be of type 'integer'",
    );
  });

  it.each(["10", "3601", "-5"])(
    "refuses %s naming the key and the range, before anything is registered",
    async (value) => {
      const error = await runProgramError({ config: { databaseUrl: DATABASE_URL, rolloutTimeout: value } });
      expect(error.message).toContain("todo-app:rolloutTimeout");
      expect(error.message).toContain(JSON.stringify(value).slice(1, -1));
      expect(error.message).toMatch(/30.*3600/);
      expect(error.registered.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
    },
  );
});
