import { defineConfig } from "vitest/config";

// Builds the Next.js app and runs its standalone server against a stub backend: a minute or two, so it is its
// own script (npm run test:frontend) and not part of the fast unit suite.
export default defineConfig({
  test: {
    include: ["test/frontend/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 30_000,
    // The first `next build` (plus `npm ci` on a fresh clone) happens in beforeAll.
    hookTimeout: 600_000,
  },
});
