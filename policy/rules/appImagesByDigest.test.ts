import { describe, expect, it } from "vitest";

import { deployment, DIGEST, statefulSet, type Change, type DeploymentProps } from "../fixtures";
import { runResourcePolicy, violationsOf } from "../testing";
import { appImagesByDigest } from "./appImagesByDigest";

const withImage = (image: string, change?: Change<DeploymentProps>) =>
  violationsOf(
    appImagesByDigest,
    deployment((fixture) => {
      fixture.container.image = image;
      change?.(fixture);
    }),
  );

// Which images name a registry host follows distribution/reference normalize.go (splitDockerDomain), tested case by
// case in props.test.ts.
describe("app-images-by-digest", () => {
  it("accepts a pushed image referenced by digest, with or without its tag", async () => {
    expect(await withImage(`ghcr.io/acme/todo-backend@${DIGEST}`)).toEqual([]);
    expect(await withImage(`ghcr.io/acme/todo-backend:c-0123456789abcdef@${DIGEST}`)).toEqual([]);
  });

  it("accepts a local build, which names no registry host", async () => {
    expect(await withImage("todo-backend:c-0123456789abcdef")).toEqual([]);
  });

  it("flags a pushed image referenced by tag", async () => {
    expect(await withImage("ghcr.io/acme/todo-backend:c-0123456789abcdef")).toEqual([
      'container "backend": image "ghcr.io/acme/todo-backend:c-0123456789abcdef" is pulled from registry "ghcr.io" but not by digest: reference it as <repository>@sha256:<64 hex digits>, so a re-pushed tag never changes what runs',
    ]);
  });

  it("flags a local registry and a digest that is not a full sha256", async () => {
    expect(await withImage("localhost:5000/todo-backend:c-0123456789abcdef")).toHaveLength(1);
    expect(await withImage("ghcr.io/acme/todo-backend@sha256:0123abcd")).toHaveLength(1);
  });

  it("checks init containers of the app's pods too", async () => {
    const resource = deployment(({ pod, container }) => {
      container.image = `ghcr.io/acme/todo-backend@${DIGEST}`;
      pod.initContainers = [{ ...container, name: "migrate", image: "ghcr.io/acme/todo-backend:c-1" }];
    });
    expect(await violationsOf(appImagesByDigest, resource)).toEqual([
      'init container "migrate": image "ghcr.io/acme/todo-backend:c-1" is pulled from registry "ghcr.io" but not by digest: reference it as <repository>@sha256:<64 hex digits>, so a re-pushed tag never changes what runs',
    ]);
  });

  it("does not apply to the in-cluster database, whose public image the stack pins by tag", async () => {
    const database = statefulSet(({ props, container }) => {
      props.spec!.template.metadata!.labels = {
        ...props.spec!.template.metadata!.labels,
        "app.kubernetes.io/component": "database",
      };
      container.image = "docker.io/library/postgres:16.6-bookworm";
    });
    expect((await runResourcePolicy(appImagesByDigest, database)).notApplicable).toBe(
      "does not apply to this StatefulSet",
    );
  });

  it("does not apply to workloads of another app", async () => {
    const other = deployment(({ props }) => {
      props.spec!.template.metadata!.labels = { "app.kubernetes.io/part-of": "monitoring" };
    });
    expect((await runResourcePolicy(appImagesByDigest, other)).notApplicable).toBeDefined();
  });
});
