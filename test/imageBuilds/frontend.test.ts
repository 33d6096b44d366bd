import { expect } from "vitest";
import { describeImage } from "./imageHarness";

describeImage({
  service: "frontend",
  baseArg: "NODE_IMAGE",
  defaultBase: "local/node:20-slim",
  baseEnv: "TEST_NODE_IMAGE",
  containerPort: 3000,
  healthPath: "/api/health",
  // The home page (backend unreachable: its error state) and a 404, which Next would cache on disk by default.
  exercisePaths: ["/", "/no-such-page"],
  // No backend runs beside it: the health route must not depend on one.
  env: { BACKEND_URL: "http://127.0.0.1:7860", LOG_LEVEL: "info" },
  // The pod mounts emptyDirs here; everything else is read-only.
  tmpfs: ["/tmp", "/app/.next/cache"],
  maxAddedMB: 60,
  checkHealth: (body) => expect(body).toEqual({ status: "healthy" }),
});
