/**
 * A new backend image touches the image and the backend's Deployment, nothing else: the bench on the real
 * cluster (test/real/bench.ts) found the content tag, as the `app.kubernetes.io/version` label, also on the
 * Service, PDB and NetworkPolicies, so every edit updated them too.
 */
import { describe, expect, it } from "vitest";

import { DATABASE_URL, runProgram, unwrapDeep } from "../support/program";

describe("a new backend image", () => {
  it("changes the inputs of the backend's image and Deployment only", async () => {
    const before = await runProgram({
      config: { databaseUrl: DATABASE_URL, backendBuildArgs: { EDIT: "1" } },
    });
    const after = await runProgram({
      config: { databaseUrl: DATABASE_URL, backendBuildArgs: { EDIT: "2" } },
    });
    const inputsOf = (run: typeof before) =>
      new Map(run.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(unwrapDeep(r.inputs))]));
    const a = inputsOf(before);
    const b = inputsOf(after);
    const changed = [...a.keys()].filter((key) => a.get(key) !== b.get(key)).sort();
    expect(changed).toEqual([
      "docker:index/image:Image::backend-image",
      "kubernetes:apps/v1:Deployment::backend-deployment",
    ]);
  });
});
