import { expect } from "vitest";
import { describeImage, pythonIndexUnreachable } from "./imageHarness";

describeImage({
  service: "backend",
  baseArg: "PYTHON_IMAGE",
  defaultBase: "local/python:3.11-slim",
  baseEnv: "TEST_PYTHON_IMAGE",
  containerPort: 7860,
  healthPath: "/health",
  // The pod's database is not needed for liveness; a SQLite file on the tmpfs keeps the app's startup happy.
  env: { DATABASE_URL: "sqlite:////tmp/t.db", LOG_LEVEL: "info" },
  tmpfs: ["/tmp"],
  maxAddedMB: 80,
  checkHealth: (body) => {
    expect(body).toEqual({ status: "healthy", version: expect.any(String) as unknown });
    expect((body as { version: string }).version).not.toBe("");
  },
  unreachableDependencies: pythonIndexUnreachable,
});
