/** The image pull Secret for a private registry: what the kubelet reads, built from the stack's credentials. */
import { describe, expect, it } from "vitest";

import { dockerConfigJson } from "../../k8s/registry";
import { isSecretInput, runProgram, unwrap } from "../support/program";
import { REGISTRY_STACK } from "../support/stacks";

describe("dockerConfigJson", () => {
  it("is the document docker login writes", () => {
    const doc = JSON.parse(dockerConfigJson("ghcr.io", "bot", "t0ken"));
    expect(doc).toEqual({
      auths: {
        "ghcr.io": { username: "bot", password: "t0ken", auth: Buffer.from("bot:t0ken").toString("base64") },
      },
    });
  });
});

describe("a stack on a remote cluster", () => {
  it("pushes the images to the registry and gives the pods a pull Secret that is a Pulumi secret", async () => {
    const run = await runProgram({ config: { ...REGISTRY_STACK } });
    for (const image of run.byType("docker:index/image:Image")) {
      expect(image.inputs.imageName).toMatch(/^ghcr\.io\/acme\/todo-(backend|frontend):c-[0-9a-f]{16}$/);
      expect(image.inputs.skipPush).toBe(false);
      // The object holding the password is sent as a secret whole.
      expect(isSecretInput(image.inputs.registry)).toBe(true);
      expect(unwrap(image.inputs.registry)).toMatchObject({ server: "ghcr.io", username: "bot" });
    }
    const pull = run.one("kubernetes:core/v1:Secret", "registry-credentials").inputs;
    expect(pull.type).toBe("kubernetes.io/dockerconfigjson");
    expect(pull.immutable).toBe(true);
    const data = unwrap<Record<string, unknown>>(pull.data);
    expect(isSecretInput(data[".dockerconfigjson"]) || isSecretInput(pull.data)).toBe(true);
    for (const name of ["backend", "frontend"]) {
      const pod = run.one("kubernetes:apps/v1:Deployment", `${name}-deployment`).inputs.spec.template.spec;
      expect(pod.imagePullSecrets).toEqual([{ name: "registry-credentials-autoname" }]);
    }
  });
});
