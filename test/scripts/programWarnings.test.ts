/**
 * The program's warnings under the test harness (test/support/program.ts): recorded on the run, printed once per
 * test that asks for them, never once per run. Before, every run of a stack without `sslmode` printed the same
 * warning, about 35 times per `npm test`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { DATABASE_URL, runProgram } from "../support/program";

const NO_SSLMODE = /todo-app:databaseUrl sets no sslmode/;

describe("the program's warnings in a test run", () => {
  const original = console.warn;
  afterEach(() => {
    console.warn = original;
  });

  it("are recorded on the run, once, and not printed", async () => {
    const printed: string[] = [];
    // A plain function, not a spy: the console as `npm test` has it.
    console.warn = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    const run = await runProgram({ config: { databaseUrl: DATABASE_URL } });
    console.warn = original;
    expect(run.warnings.filter((w) => NO_SSLMODE.test(w))).toHaveLength(1);
    expect(printed.join("\n")).not.toMatch(NO_SSLMODE);
  });

  it("still reach a test that listens on the console", async () => {
    const spy = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await runProgram({ config: { databaseUrl: DATABASE_URL } });
      expect(spy.mock.calls.map((c) => String(c[0])).filter((line) => NO_SSLMODE.test(line))).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("leave pulumi.log.warn as it was once the run is over", async () => {
    const { log } = await import("@pulumi/pulumi");
    const before = log.warn;
    await runProgram({ config: { databaseUrl: DATABASE_URL } });
    expect((await import("@pulumi/pulumi")).log.warn).toBe(before);
  });
});
