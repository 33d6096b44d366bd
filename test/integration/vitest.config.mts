import { defineConfig } from "vitest/config";

// A real deploy to a real cluster through the Automation API: image builds and rollouts take minutes, so it is
// its own script (npm run test:integration) and never part of `npm test`.
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
