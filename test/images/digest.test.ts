/**
 * The registry target's pods run the pushed image by digest. What pulumi-docker reports as `repoDigest`
 * (pulumi/pulumi-docker provider/image.go, dockerBuild): `<repository>@sha256:<hex>` after a push
 * (parseRepoDigestFromAux), `<none>@<none>` when neither the push nor the local store gave one (getRepoDigest's
 * nodigest), and the bare image ID `sha256:<hex>` for an image it did not push. Only the first is a reference a
 * node can pull.
 */
import { describe, expect, it } from "vitest";

import { digestReference } from "../../images/reference";

const HEX = "a6ae6dd8d39c5bb02320e41abf00cd4cb35905fec540e37d306c878be8d38bd3";

describe("digestReference", () => {
  it("pins the pushed repository to the digest the push reported", () => {
    expect(digestReference("ghcr.io/acme/todo-backend", `ghcr.io/acme/todo-backend@sha256:${HEX}`)).toBe(
      `ghcr.io/acme/todo-backend@sha256:${HEX}`,
    );
  });

  it("accepts the provider's normalised Docker Hub name for a Docker Hub repository", () => {
    expect(digestReference("docker.io/acme/todo-backend", `docker.io/acme/todo-backend@sha256:${HEX}`)).toBe(
      `docker.io/acme/todo-backend@sha256:${HEX}`,
    );
    expect(digestReference("acme/todo-backend", `docker.io/acme/todo-backend@sha256:${HEX}`)).toBe(
      `acme/todo-backend@sha256:${HEX}`,
    );
  });

  it.each([
    ["an unpushed image's bare ID", `sha256:${HEX}`],
    ["the provider's placeholder when no digest was found", "<none>@<none>"],
    ["another repository's digest", `ghcr.io/acme/other@sha256:${HEX}`],
    ["a tag instead of a digest", "ghcr.io/acme/todo-backend:c-0123456789abcdef"],
    ["a short digest", "ghcr.io/acme/todo-backend@sha256:abc"],
    ["nothing", undefined],
  ])("refuses %s, failing the update with what happened", (_why, repoDigest) => {
    expect(() => digestReference("ghcr.io/acme/todo-backend", repoDigest)).toThrow(
      /^The image pushed to ghcr\.io\/acme\/todo-backend has no registry digest \(repoDigest is .*\), so the pods could not be pinned to it/,
    );
  });
});
