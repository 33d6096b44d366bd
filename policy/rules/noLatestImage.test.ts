import { describe, expect, it } from "vitest";

import { deployment } from "../fixtures";
import { violationsOf } from "../testing";
import { noLatestImage } from "./noLatestImage";

const withImage = (image: string) =>
  violationsOf(
    noLatestImage,
    deployment(({ container }) => (container.image = image)),
  );

describe("no-latest-image", () => {
  it("accepts a tag or a digest", async () => {
    expect(await withImage("todo-backend:3f9c2a1b")).toEqual([]);
    expect(await withImage("todo-backend@sha256:0123abcd")).toEqual([]);
  });

  it("rejects an image without a tag, even behind a registry port", async () => {
    expect(await withImage("localhost:5000/todo-backend")).toEqual([
      'container "backend": image "localhost:5000/todo-backend" must have an explicit tag or digest',
    ]);
  });

  it('rejects the "latest" tag', async () => {
    expect(await withImage("todo-backend:latest")).toEqual([
      'container "backend": image "todo-backend:latest" must not use the "latest" tag',
    ]);
  });
});
