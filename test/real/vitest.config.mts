import { defineConfig } from "vitest/config";

// The real suite (npm run test:real): the README's commands against a real cluster and the real Pulumi engine.
// Steps build on each other, so one file runs at a time, its tests in order, and the first failure stops it.
export default defineConfig({
  test: {
    include: ["test/real/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    sequence: { concurrent: false, shuffle: false },
    bail: 1,
    // A cold `npm run up` builds both images and waits for every rollout.
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
  },
});
