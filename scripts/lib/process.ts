/** The real CommandRunners: one that captures output (for probes), one that shows it live (minikube start). */
import { spawnSync } from "child_process";

import type { CommandRunner } from "../../lib/buildTarget";

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
