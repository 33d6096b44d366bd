/**
 * The walk over the part of a build context that a build reads: only below the paths the Dockerfile names, and
 * only what the ignore file lets through. A directory that no read path leads into is never opened, and neither
 * is an ignored one that no `!` rule can reach into, so a repository-root context costs what its read folders
 * cost, whatever else (`node_modules`, `.git`, other services) sits beside them.
 */
import * as fs from "fs";
import * as path from "path";

import { type ContextMatcher } from "./dockerignore";
import { compileSegment, type SegmentMatcher } from "./globMatch";

/** One thing of the context that reaches the builder's COPY, by its context-relative POSIX path. */
export type ContextEntry =
  | { readonly kind: "dir"; readonly rel: string }
  | { readonly kind: "file"; readonly rel: string; readonly abs: string }
  | { readonly kind: "symlink"; readonly rel: string; readonly abs: string }
  | { readonly kind: "other"; readonly rel: string };

/** A read path split into one matcher per segment; no segments at all is the whole context. */
type CompiledRead = readonly SegmentMatcher[];

export interface WalkResult {
  /**
   * A symlink found on the way to (or at) a read path: BuildKit follows such a link when it resolves a COPY
   * source (`FollowSymlinks` in `dispatchCopy`), so what the build reads is elsewhere and the caller must walk
   * the whole context instead.
   */
  readonly symlinkOnReadPath?: string;
}

/** Code-unit order: independent of the locale, unlike `localeCompare`, so every machine sorts alike. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The kind of a directory entry, asking the file system only when `readdir` could not tell (`DT_UNKNOWN`). */
function entryKind(entry: fs.Dirent, absPath: string): ContextEntry["kind"] {
  if (entry.isDirectory()) return "dir";
  if (entry.isFile()) return "file";
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice())
    return "other";
  const stat = fs.lstatSync(absPath);
  if (stat.isDirectory()) return "dir";
  if (stat.isFile()) return "file";
  if (stat.isSymbolicLink()) return "symlink";
  return "other";
}

function compileRead(read: string): CompiledRead {
  if (read === ".") return [];
  return read.split("/").map((segment) => {
    const matcher = compileSegment(segment);
    // dockerfileReads only returns paths whose wildcards compile; anything else is a programming error.
    if (matcher === null) throw new Error(`malformed read path "${read}"`);
    return matcher;
  });
}

interface WalkState {
  readonly matcher: ContextMatcher;
  readonly visit: (entry: ContextEntry) => void;
  symlinkOnReadPath?: string;
}

/**
 * Walks `absDir` in sorted order. `covered` means the directory lies inside a read path, so everything below it
 * is read; otherwise `active` holds the read paths whose first `depth` segments match the directory's path.
 * Entries of an ignored directory that could not be pruned are still visited so that `!` rules can re-include
 * files inside it.
 */
function walkDir(
  absDir: string,
  relDir: string,
  depth: number,
  covered: boolean,
  active: readonly CompiledRead[],
  state: WalkState,
): void {
  const entries = fs.readdirSync(absDir, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name));
  for (const entry of entries) {
    let childCovered = covered;
    const childActive: CompiledRead[] = [];
    if (!covered) {
      for (const read of active) {
        if (!read[depth](entry.name)) continue;
        if (read.length === depth + 1) childCovered = true;
        else childActive.push(read);
      }
      // Neither read nor on the way to a read path: not even its kind is looked up.
      if (!childCovered && childActive.length === 0) continue;
    }
    // Relative paths are joined with "/" by hand so that the hash is the same on Windows.
    const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
    const abs = path.join(absDir, entry.name);
    const kind = entryKind(entry, abs);
    if (kind === "symlink" && !covered) state.symlinkOnReadPath ??= rel;
    const ignored = state.matcher.ignores(rel);
    if (kind === "dir") {
      // Docker sends directories too (`COPY . .` creates an empty one), so they are part of the content.
      if (childCovered && !ignored) state.visit({ kind, rel });
      else if (ignored && state.matcher.canSkipDirectory(rel)) continue;
      walkDir(abs, rel, depth + 1, childCovered, childCovered ? [] : childActive, state);
    } else if (childCovered && !ignored) {
      state.visit(kind === "other" ? { kind, rel } : { kind, rel, abs });
    }
  }
}

/**
 * Hands every entry below the read paths that the ignore file lets through to `visit`, depth first in sorted
 * order. `reads` are context-relative POSIX paths with `filepath.Match` wildcards allowed, `"."` for the whole
 * context (see dockerfileReads.ts).
 */
export function walkReadPaths(
  context: string,
  reads: readonly string[],
  matcher: ContextMatcher,
  visit: (entry: ContextEntry) => void,
): WalkResult {
  const compiled = reads.map(compileRead);
  const state: WalkState = { matcher, visit };
  walkDir(
    context,
    "",
    0,
    compiled.some((read) => read.length === 0),
    compiled,
    state,
  );
  return state.symlinkOnReadPath === undefined ? {} : { symlinkOnReadPath: state.symlinkOnReadPath };
}
