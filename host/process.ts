/**
 * The one way this project runs an external command (minikube, kubectl, docker, the Pulumi CLI's probes):
 * arguments as a list, never a shell string, through a CommandRunner that tests replace with a stub.
 */
import { spawnSync } from "child_process";

/** The result of running an external command; a stub of this type drives the tests. */
export interface CommandResult {
  /** Exit status, or null when the command could not be started (for example, not installed). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all. */
  error?: Error;
}

export type CommandRunner = (command: string, args: readonly string[]) => CommandResult;

/**
 * Captures stdout and stderr. The timeout bounds every probe, so a hung tool cannot hang the deploy; callers
 * that wait on purpose (`kubectl rollout status`, the first CLI download) pass a longer one.
 */
export function captureRunner(timeoutMs = 30_000): CommandRunner {
  return (command, args) => {
    const result = spawnSync(command, [...args], {
      encoding: "utf8",
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      // npm's shims on Windows are .cmd files, which only a shell can start.
      shell: process.platform === "win32" && /\.cmd$/i.test(command),
    });
    return {
      status: result.status,
      stdout: result.stdout ?? "",
      stderr: result.stderr ?? "",
      error: result.error,
    };
  };
}

/** Inherits the terminal, so a long command's own progress is visible; its output is not captured. */
export function liveRunner(): CommandRunner {
  return (command, args) => {
    const result = spawnSync(command, [...args], { stdio: "inherit" });
    return { status: result.status, stdout: "", stderr: "", error: result.error };
  };
}
