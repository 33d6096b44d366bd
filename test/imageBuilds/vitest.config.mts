import { defineConfig } from "vitest/config";

// Builds and runs the real images with the local Docker engine: minutes, not seconds, so it is its own suite
// (`npm run test:images`) and never part of `npm test`. The two services build in parallel, one file each.
export default defineConfig({
  test: {
    include: ["test/imageBuilds/**/*.test.ts"],
    pool: "forks",
    // A cold build installs every npm or pip dependency inside the image.
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
