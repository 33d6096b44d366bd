/** A CommandRunner that replays a machine: each `command arg...` line maps to what that machine would answer. */
import type { CommandResult, CommandRunner } from "../../host/process";

export const ok = (stdout = ""): CommandResult => ({ status: 0, stdout, stderr: "" });
export const fails = (status: number, stdout = "", stderr = ""): CommandResult => ({
  status,
  stdout,
  stderr,
});
export const notInstalled = (command: string): CommandResult => ({
  status: null,
  stdout: "",
  stderr: "",
  error: Object.assign(new Error(`spawnSync ${command} ENOENT`), { code: "ENOENT" }),
});

/** A Linux machine with the project at /home/dev/todo and the `pulumi` npm package installed (PulumiLookup). */
export const LINUX_LOOKUP = {
  projectDir: "/home/dev/todo",
  env: {},
  homedir: "/home/dev",
  platform: "linux" as NodeJS.Platform,
  exists: () => true,
  npmPackageVersion: "3.265.0",
};

export interface RecordingRunner extends CommandRunner {
  readonly calls: string[];
}

/**
 * Answers by the longest matching prefix of `command args...`; anything unlisted is "not installed", which is
 * what an unknown command is on a real machine.
 */
export function machine(
  answers: Record<string, CommandResult | ((line: string) => CommandResult)>,
): RecordingRunner {
  const calls: string[] = [];
  const runner = ((command: string, args: readonly string[]) => {
    const line = [command, ...args].join(" ");
    calls.push(line);
    const key = Object.keys(answers)
      .filter((k) => line === k || line.startsWith(`${k} `))
      .sort((a, b) => b.length - a.length)[0];
    if (key === undefined) {
      return notInstalled(command);
    }
    const answer = answers[key];
    return typeof answer === "function" ? answer(line) : answer;
  }) as RecordingRunner;
  Object.defineProperty(runner, "calls", { value: calls });
  return runner;
}
