/**
 * Image references against the grammar Docker, containerd and the kubelet parse them with:
 * github.com/distribution/reference regexp.go (formerly docker/distribution reference/regexp.go), referencePat.
 */
import { describe, expect, it } from "vitest";

import { imageReferenceProblem, isImageReference, isPinnedImage } from "../../images/reference";

describe("image references", () => {
  it.each([
    "postgres",
    "postgres:16.6-bookworm",
    "library/postgres:16",
    "docker.io/library/postgres:16",
    "localhost:5000/app:v1",
    "registry.example.com:443/a/b/c:tag_1",
    "[::1]:5000/app:1",
    "my__app:1",
    "my--app:1",
    "postgres@sha256:" + "a".repeat(64),
    "postgres:16@sha256:" + "a".repeat(64),
    "Registry.Example.COM/app:1",
  ])("accepts %s", (ref) => expect(imageReferenceProblem(ref)).toBeUndefined());

  it.each([
    ["", "it is empty"],
    ["Postgres:16", "the repository is not all lower case"],
    ["postgres:16 bookworm", "it contains white space"],
    ["https://ghcr.io/app:1", "it has a URL scheme, which a reference never carries"],
    ["postgres:", "it does not parse"],
    ["postgres:-1", "it does not parse"],
    [`postgres:${"a".repeat(129)}`, "it does not parse"],
    ["my___app:1", "it does not parse"],
    ["app/:1", "it does not parse"],
    ["postgres@sha256:abc", "it does not parse"],
    ["-app:1", "it does not parse"],
    [`${"a".repeat(256)}:1`, "the repository name is longer than 255 characters"],
  ])("refuses %s: %s", (ref, why) => expect(imageReferenceProblem(ref)).toBe(why));

  it("keeps pinning separate from validity", () => {
    expect(isImageReference("postgres:latest")).toBe(true);
    expect(isPinnedImage("postgres:latest")).toBe(false);
  });
});
