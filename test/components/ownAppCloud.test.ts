/**
 * The team's own repository on the cloud stack, as they would move it: their repository-root contexts and
 * Dockerfiles, the frontend reading the database, browser code calling the backend through the Ingress. The
 * placeholders resolve to the public https addresses, the images run by digest, and nothing is opened on the nodes.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { type ProgramRun, runProgram } from "../support/program";
import { OWN_APP_CLOUD_STACK } from "../support/stacks";

describe("the team's own app on the cloud stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ config: OWN_APP_CLOUD_STACK });
  });

  it("builds the browser's backend URL into the frontend image as the Ingress's https path", () => {
    const frontend = run.one("docker:index/image:Image", "frontend-image").inputs;
    expect(frontend.build.args.NEXT_PUBLIC_API_URL).toBe("https://todo.example.com/backend");
    expect(run.outputs.backendPublicUrl).toBe("https://todo.example.com/backend");
    expect(run.outputs.frontendUrl).toBe("https://todo.example.com");
  });

  it("serves the backend on its prefix and the frontend on the rest of the host, with no NodePort", () => {
    const ingress = run.one("kubernetes:networking.k8s.io/v1:Ingress").inputs;
    const paths = ingress.spec.rules[0].http.paths.map(
      (p: { path: string; backend: { service: { name: string } } }) => [p.path, p.backend.service.name],
    );
    expect(paths).toEqual([
      ["/backend", "todo-backend"],
      ["/", "todo-frontend"],
    ]);
    for (const service of run.byType("kubernetes:core/v1:Service")) {
      expect(service.inputs.spec.type ?? "ClusterIP").toBe("ClusterIP");
    }
  });

  it("runs both of the team's images by the digest pushed to the registry", () => {
    expect(run.outputs.backendImage).toMatch(/^ghcr\.io\/acme\/todo-backend@sha256:[0-9a-f]{64}$/);
    expect(run.outputs.frontendImage).toMatch(/^ghcr\.io\/acme\/todo-frontend@sha256:[0-9a-f]{64}$/);
  });
});
