/**
 * Warnings about files an image would read that belong to the deployment rather than to the app: the Pulumi
 * state directory, Pulumi project and stack files, and `.env` files. A team that puts this program inside its
 * repository and builds from the repository root gets them in the context by default; in the image they leak
 * configuration and secrets, and the state directory, which every update rewrites, would change the tag and roll
 * the pods on every update, forever.
 *
 * Only paths are reported, never a file's content.
 */
import * as path from "path";

import { type IgnoreFile } from "./dockerignore";

export type SensitiveKind = "state" | "stack" | "env";

/** A sensitive path an image reads: a file, or for the state directory the directory itself. */
export interface SensitivePath {
  readonly kind: SensitiveKind;
  /** Context-relative POSIX path. */
  readonly path: string;
}

const STATE_DIR = ".pulumi-state";
/** `Pulumi.yaml` (the project) and `Pulumi.<stack>.yaml`, in either YAML extension Pulumi accepts. */
const STACK_FILE = /^Pulumi(?:\.[^/]+)?\.ya?ml$/;

/**
 * Classifies one context-relative path an image reads. Everything below a `.pulumi-state` directory, at any
 * depth, is reported as that directory, so one warning covers all of it.
 */
export function sensitivePath(rel: string, isDirectory: boolean): SensitivePath | null {
  const segments = rel.split("/");
  const state = segments.indexOf(STATE_DIR);
  if (state !== -1) return { kind: "state", path: segments.slice(0, state + 1).join("/") };
  if (isDirectory) return null;
  const name = segments[segments.length - 1];
  if (STACK_FILE.test(name)) return { kind: "stack", path: rel };
  // `.env.example` is the conventional template without values, meant to be shared.
  if (name === ".env" || (name.startsWith(".env.") && name !== ".env.example"))
    return { kind: "env", path: rel };
  return null;
}

/** Gathers the sensitive paths among the entries a walk visits, each once, in the order first seen. */
export class SensitivePathCollector {
  private readonly found = new Map<string, SensitiveKind>();

  add(rel: string, isDirectory: boolean): void {
    const hit = sensitivePath(rel, isDirectory);
    if (hit !== null && !this.found.has(hit.path)) this.found.set(hit.path, hit.kind);
  }

  get paths(): SensitivePath[] {
    return [...this.found].map(([p, kind]) => ({ kind, path: p }));
  }
}

/**
 * The ignore-file line that excludes exactly `rel`: ignore patterns are anchored at the context root, and the
 * characters that would make the path a pattern (`*`, `?`, `[`, `\`, and a leading `!` or `#`) are escaped.
 */
export function ignoreLine(rel: string): string {
  const escaped = rel.replace(/[*?[\\]/g, (ch) => `\\${ch}`);
  return /^[!#]/.test(escaped) ? `\\${escaped}` : escaped;
}

const DESCRIPTION: Record<SensitiveKind, (p: string) => string> = {
  state: (p) =>
    `the Pulumi state directory "${p}", which every update rewrites (so the tag would change on every update) ` +
    "and which holds the stacks' encrypted secrets",
  stack: (p) =>
    `the Pulumi ${/^Pulumi\.ya?ml$/.test(path.posix.basename(p)) ? "project" : "stack"} file "${p}"`,
  env: (p) => `the env file "${p}", which usually holds secrets`,
};

/** The ignore file as the user should look for it: context-relative when inside the context, else absolute. */
function displayPath(file: IgnoreFile, context: string): string {
  const rel = path.relative(context, file.path);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file.path : rel.split(path.sep).join("/");
}

/**
 * One message per sensitive path, naming it (context-relative), the exact line to add and the ignore file to add
 * it to: the one Docker uses for this Dockerfile (see `ignoreFileFor`), to be created when it does not exist.
 *
 * @param context the absolute build context, to show the ignore file relative to it.
 */
export function warningMessages(
  found: readonly SensitivePath[],
  ignoreFile: IgnoreFile,
  context: string,
): string[] {
  const file = displayPath(ignoreFile, context);
  const where = ignoreFile.exists ? `to ${file}` : `to a new ${file}`;
  return found.map(
    (hit) =>
      `The image would include ${DESCRIPTION[hit.kind](hit.path)}. ` +
      `Add the line "${ignoreLine(hit.path)}" ${where} to leave it out of the build context.`,
  );
}
