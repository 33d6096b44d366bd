import { describe, expect, it } from "vitest";

import { deployment } from "../fixtures";
import { UNKNOWN_STRING, violationsOf } from "../testing";
import type { Container } from "../workload";
import { looksSecret, noLiteralSecretEnv } from "./noLiteralSecretEnv";

const withEnv = (env: Container["env"]) =>
  violationsOf(
    noLiteralSecretEnv,
    deployment(({ container }) => (container.env = env)),
  );

describe("no-literal-secret-env", () => {
  it("accepts secrets from secretKeyRef and plain settings as literals", async () => {
    expect(await violationsOf(noLiteralSecretEnv, deployment())).toEqual([]);
  });

  it.each([
    "BETTER_AUTH_SECRET",
    "POSTGRES_PASSWORD",
    "GITHUB_TOKEN",
    "COHERE_API_KEY",
    "STRIPE_APIKEY",
    "SIGNING_KEY",
    "DATABASE_URL",
    "AWS_CREDENTIALS",
  ])("rejects a literal value for %s without repeating the value", async (name) => {
    const found = await withEnv([{ name, value: "hunter2-s3cr3t" }]);
    expect(found).toEqual([
      `container "backend": env[0] "${name}" must not set a literal value; use valueFrom.secretKeyRef`,
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("rejects a secret-looking variable fed from a ConfigMap", async () => {
    expect(
      await withEnv([{ name: "DATABASE_URL", valueFrom: { configMapKeyRef: { name: "todo", key: "db" } } }]),
    ).toEqual(['container "backend": env[0] "DATABASE_URL" must come from valueFrom.secretKeyRef']);
  });

  it("rejects a literal whose value is unknown during preview", async () => {
    expect(await withEnv([{ name: "BETTER_AUTH_SECRET", value: UNKNOWN_STRING }])).toEqual([
      'container "backend": env[0] "BETTER_AUTH_SECRET" must come from valueFrom.secretKeyRef',
    ]);
  });

  it("leaves ordinary names alone", () => {
    for (const name of ["LOG_LEVEL", "BACKEND_URL", "FRONTEND_URL", "KEYBOARD_LAYOUT", "PORT"]) {
      expect(looksSecret(name), name).toBe(false);
    }
  });
});
