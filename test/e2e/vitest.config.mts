import { defineConfig } from "vitest/config";

// Real end-to-end run: the FastAPI backend under Debian's python3, the built Next.js standalone server, and
// Debian's headless Chromium. Slow and dependent on system packages, so it is its own script (npm run test:e2e).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    // beforeAll may run `npm ci` and `next build` on a fresh clone.
    hookTimeout: 600_000,
  },
});
