/**
 * The `imageSources` output is what `npm run dev` watches and hashes: it must be exactly what the program builds
 * each image from, so that the loop's own content tag equals the one the program deploys (an unchanged save is
 * then recognised as unchanged) and no build arg the loop does not know about can change a tag behind its back.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { analyzeBuildContext, imageTag } from "../../images/contextHash";
import { type ProgramRun, runProgram } from "../support/program";
import { EXTERNAL_DATABASE_STACK, OWN_APP_STACK, REGISTRY_STACK } from "../support/stacks";

interface Source {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  tag: string;
}

describe.each([
  ["the reference app", EXTERNAL_DATABASE_STACK],
  ["the team's own app (build args with placeholders)", OWN_APP_STACK],
])("imageSources on %s", (_name, config) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: { ...config, databaseUrl: EXTERNAL_DATABASE_STACK.databaseUrl } });
  });

  it("names each service's context, Dockerfile and build args exactly as its image is built", () => {
    const sources = run.outputs.imageSources as Record<string, Source>;
    expect(Object.keys(sources).sort()).toEqual(["backend", "frontend"]);
    for (const service of ["backend", "frontend"]) {
      const image = run.one("docker:index/image:Image", `${service}-image`).inputs;
      expect(sources[service].context).toBe(image.build.context);
      expect(sources[service].dockerfile).toBe(image.build.dockerfile);
      expect(sources[service].buildArgs).toEqual(image.build.args ?? {});
    }
  });

  it("hashes, from the output alone, to the content tag the program deploys, which it also records", () => {
    const sources = run.outputs.imageSources as Record<string, Source>;
    for (const service of ["backend", "frontend"] as const) {
      const tag = imageTag(analyzeBuildContext(sources[service]).hash);
      expect(run.outputs[`${service}Image`]).toMatch(new RegExp(`:${tag}$`));
      expect(sources[service].tag).toBe(tag);
    }
  });
});

describe("imageSources on a registry stack, whose pods run digest references", () => {
  it("records each image's content tag, which the digest reference does not carry", async () => {
    const run = await runProgram({ config: REGISTRY_STACK });
    const sources = run.outputs.imageSources as Record<string, Source>;
    for (const service of ["backend", "frontend"] as const) {
      expect(run.outputs[`${service}Image`]).toMatch(/@sha256:[0-9a-f]{64}$/);
      const deployment = run.one("kubernetes:apps/v1:Deployment", `${service}-deployment`).inputs;
      expect(sources[service].tag).toBe(deployment.metadata.labels["app.kubernetes.io/version"]);
      expect(sources[service].tag).toBe(imageTag(analyzeBuildContext(sources[service]).hash));
    }
  });
});
