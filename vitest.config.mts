import { defineConfig } from "vitest/config";

// The unit suite runs under Pulumi's mock monitor: fast, no CLI, no cluster. Slow or environment-dependent
// suites (integration, images, e2e, the real suite) live in their own folders and scripts and are excluded here.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    exclude: [
      "test/integration/**",
      "test/e2e/**",
      "test/imageBuilds/**",
      "test/postgres/**",
      "test/frontend/**",
      "test/real/**",
      "**/node_modules/**",
    ],
    // Pulumi's runtime keeps module-level state (mocks, stack resource); each file gets a fresh module graph.
    isolate: true,
    pool: "forks",
    testTimeout: 20_000,
  },
});
