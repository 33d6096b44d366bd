/**
 * Where stack state lives. By default a self-managed file backend inside the project (`.pulumi-state/`, which
 * git ignores), so a first deploy needs no Pulumi Cloud account and no `pulumi login`; PULUMI_BACKEND_URL,
 * when set, wins (a shared bucket, Pulumi Cloud, another folder).
 */
import * as path from "path";

export interface Backend {
  readonly url: string;
  /** The local folder of a file:// backend this project owns, which must exist before Pulumi uses it. */
  readonly localDir?: string;
  readonly source: "PULUMI_BACKEND_URL" | "default";
}

export const STATE_DIR_NAME = ".pulumi-state";

/**
 * A file:// URL Pulumi accepts on every platform: forward slashes, and `file:///abs/path` on POSIX (the
 * `file://` prefix followed by an absolute path), `file://C:/path` on Windows.
 */
export function fileBackendUrl(dir: string): string {
  return `file://${dir.replace(/\\/g, "/")}`;
}

export function resolveBackend(env: NodeJS.ProcessEnv, projectDir: string): Backend {
  const configured = env.PULUMI_BACKEND_URL?.trim();
  if (configured) {
    return { url: configured, source: "PULUMI_BACKEND_URL" };
  }
  const localDir = path.join(projectDir, STATE_DIR_NAME);
  return { url: fileBackendUrl(localDir), localDir, source: "default" };
}
