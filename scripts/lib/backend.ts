/**
 * Where stack state lives. By default a self-managed file backend inside the project (`.pulumi-state/`, which
 * git ignores), so a first deploy needs no Pulumi Cloud account and no `pulumi login`; PULUMI_BACKEND_URL,
 * when set, wins (a shared bucket, Pulumi Cloud, another folder).
 */
import { urlSummary } from "../../config/validate";
import * as path from "path";

export interface Backend {
  readonly url: string;
  /** The local folder of a file:// backend this project owns, which must exist before Pulumi uses it. */
  readonly localDir?: string;
  readonly source: "PULUMI_BACKEND_URL" | "default";
  /**
   * Pulumi Cloud (an https:// URL) or a self-managed ("DIY") backend: file://, s3://, gs://, azblob://,
   * postgres://. A DIY backend has no organizations.
   */
  readonly kind: "cloud" | "diy";
}

export const STATE_DIR_NAME = ".pulumi-state";

/**
 * A file:// URL Pulumi accepts on every platform: forward slashes, and `file:///abs/path` on POSIX (the
 * `file://` prefix followed by an absolute path), `file://C:/path` on Windows.
 */
export function fileBackendUrl(dir: string): string {
  return `file://${dir.replace(/\\/g, "/")}`;
}

/**
 * How the backend is named in messages: a file backend by its path, any other by its scheme and host alone,
 * because a postgres:// or s3:// URL can carry credentials.
 */
export function backendLabel(backend: Backend): string {
  return backend.localDir !== undefined || backend.url.startsWith("file://")
    ? backend.url
    : urlSummary(backend.url);
}

export function resolveBackend(env: NodeJS.ProcessEnv, projectDir: string): Backend {
  const configured = env.PULUMI_BACKEND_URL?.trim();
  if (configured) {
    const kind = /^https?:\/\//i.test(configured) ? "cloud" : "diy";
    return { url: configured, source: "PULUMI_BACKEND_URL", kind };
  }
  const localDir = path.join(projectDir, STATE_DIR_NAME);
  return { url: fileBackendUrl(localDir), localDir, source: "default", kind: "diy" };
}

/**
 * Whether this backend takes the stack reference. A DIY backend accepts a qualified name only with the
 * organization "organization" (pulumi/pulumi pkg/backend/diy/store.go, projectReferenceStore.ParseReference:
 * "organization name must be 'organization'"); Pulumi Cloud takes any organization the user belongs to.
 */
export function stackBackendProblem(stack: string, backend: Backend): string | undefined {
  const parts = stack.split("/");
  if (backend.kind !== "diy" || parts.length === 1 || parts[0] === "organization") {
    return undefined;
  }
  const rest = parts.slice(1).join("/");
  return (
    `Stack "${stack}": the self-managed state backend ${backendLabel(backend)} has no organizations, so Pulumi takes a ` +
    `qualified stack name only as organization/${rest}. Use "${parts[parts.length - 1]}" or ` +
    `"organization/${rest}", or set PULUMI_BACKEND_URL to Pulumi Cloud (https://api.pulumi.com) for "${parts[0]}".`
  );
}
