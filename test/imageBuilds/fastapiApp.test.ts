import * as fs from "fs";
import { afterAll, expect } from "vitest";
import { FASTAPI_APP_MODULE, scratchDir, writeFastApiApp } from "./fixtureApps";
import { describeImage, pythonIndexUnreachable } from "./imageHarness";

// A team's FastAPI app (main.py at the root, run as `uvicorn main:app`) built with this repository's backend
// Dockerfile: only APP_MODULE differs from the reference app's build.
const context = scratchDir("fastapi-app-");
writeFastApiApp(context);
afterAll(() => fs.rmSync(context, { recursive: true, force: true }));

describeImage({
  service: "backend",
  app: { name: "todo-test-fastapi-app", context, buildArgs: { APP_MODULE: FASTAPI_APP_MODULE } },
  baseArg: "PYTHON_IMAGE",
  defaultBase: "local/python:3.11-slim",
  baseEnv: "TEST_PYTHON_IMAGE",
  containerPort: 7860,
  healthPath: "/health",
  env: { GREETING: "hello from the pod" },
  tmpfs: ["/tmp"],
  maxAddedMB: 80,
  checkHealth: (body) => expect(body).toEqual({ status: "ok" }),
  checkServing: async (baseUrl) => {
    // A module beside main.py is importable: the whole context landed in /app, the server's working directory.
    const res = await fetch(`${baseUrl}/`);
    expect(await res.json()).toEqual({ message: "hello from the pod" });
  },
  unreachableDependencies: pythonIndexUnreachable,
});
