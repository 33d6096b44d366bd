import { defineConfig } from "vitest/config";

// Runs the in-cluster database's start-up SQL against a real PostgreSQL server on loopback: its own suite
// (`npm run test:postgres`), because it needs the PostgreSQL server binaries (Debian's postgresql package).
export default defineConfig({
  test: {
    include: ["test/postgres/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
