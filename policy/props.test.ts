import { describe, expect, it } from "vitest";

import { DIGEST } from "./fixtures";
import {
  deepEqual,
  hasSha256Digest,
  isPinnedImage,
  parseImage,
  registryHost,
  selectorMatches,
} from "./props";

describe("image references", () => {
  it.each([
    ["todo-backend:3f9c2a1b", { tag: "3f9c2a1b" }, true],
    ["localhost:5000/todo-backend", {}, false],
    ["localhost:5000/todo-backend:1.2", { tag: "1.2" }, true],
    ["nginx:latest", { tag: "latest" }, false],
    ["nginx", {}, false],
    ["nginx@sha256:abc", { digest: "sha256:abc" }, true],
    ["nginx:latest@sha256:abc", { tag: "latest", digest: "sha256:abc" }, true],
  ])("parses %s", (image, parsed, pinned) => {
    expect(parseImage(image)).toEqual({ tag: undefined, digest: undefined, ...parsed });
    expect(isPinnedImage(image)).toBe(pinned);
  });
});

describe("registry hosts and digests", () => {
  // The cases of distribution/reference normalize.go (splitDockerDomain): a host is "localhost", or contains "."
  // or ":", or is not lower-case; anything else is a Docker Hub namespace.
  it.each([
    ["todo-backend:c-0123456789abcdef", undefined],
    ["postgres:16.6-bookworm", undefined],
    ["acme/todo-backend:1.0", undefined],
    ["ghcr.io/acme/todo-backend:1.0", "ghcr.io"],
    ["docker.io/library/postgres:16", "docker.io"],
    ["localhost/todo-backend:1.0", "localhost"],
    ["localhost:5000/todo-backend", "localhost:5000"],
    ["registry:5000/todo-backend", "registry:5000"],
    ["Registry/todo-backend", "Registry"],
    [
      `123456789.dkr.ecr.eu-west-1.amazonaws.com/todo-backend@${DIGEST}`,
      "123456789.dkr.ecr.eu-west-1.amazonaws.com",
    ],
  ])("finds the registry host of %s", (image, host) => {
    expect(registryHost(image)).toBe(host);
  });

  it("accepts only a full sha256 digest, with or without a tag", () => {
    expect(hasSha256Digest(`ghcr.io/acme/todo-backend@${DIGEST}`)).toBe(true);
    expect(hasSha256Digest(`ghcr.io/acme/todo-backend:c-0123456789abcdef@${DIGEST}`)).toBe(true);
    expect(hasSha256Digest("ghcr.io/acme/todo-backend@sha256:0123abcd")).toBe(false);
    expect(hasSha256Digest(`ghcr.io/acme/todo-backend@sha512:${"0".repeat(128)}`)).toBe(false);
    expect(hasSha256Digest("ghcr.io/acme/todo-backend:c-0123456789abcdef")).toBe(false);
  });
});

describe("selectorMatches", () => {
  const labels = { "app.kubernetes.io/name": "todo-backend", "app.kubernetes.io/component": "backend" };
  const expression = (operator: string, values?: string[]) => ({
    matchExpressions: [{ key: "app.kubernetes.io/component", operator, values }],
  });

  it("matches everything with an empty selector, and nothing without one", () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
  });

  it("requires every matchLabels entry", () => {
    expect(selectorMatches({ matchLabels: { "app.kubernetes.io/component": "backend" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { "app.kubernetes.io/component": "frontend" } }, labels)).toBe(
      false,
    );
  });

  it.each([
    ["In", ["backend"], true],
    ["In", ["frontend"], false],
    ["NotIn", ["frontend"], true],
    ["NotIn", ["backend"], false],
    ["Exists", undefined, true],
    ["DoesNotExist", undefined, false],
    ["Matches", ["backend"], false],
  ])("evaluates the %s operator with %j", (operator, values, matches) => {
    expect(selectorMatches(expression(operator, values), labels)).toBe(matches);
  });
});

describe("deepEqual", () => {
  it("compares plain JSON structurally, ignoring keys set to undefined", () => {
    expect(deepEqual({ a: [1, { b: "x" }], c: undefined }, { a: [1, { b: "x" }] })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: 1 }, [1])).toBe(false);
  });
});
