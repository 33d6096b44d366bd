/**
 * Content tags for container images.
 *
 * A Deployment rolls its pods only when its image reference changes, and a registry-less cluster (minikube with
 * a locally built image) cannot tell two builds that share a tag apart. So the tag is derived from everything
 * that goes into the image: the files Docker would send as the build context, the Dockerfile, the build args,
 * the target stage and the platform. Editing a source file gives a new tag and a rollout; touching an ignored
 * `node_modules` or rebuilding an unchanged tree gives the same tag and no rollout.
 *
 * The hash runs on every `pulumi preview`, synchronously, because the program needs the tag while it constructs
 * resources. It therefore prunes ignored directories instead of walking them (a frontend context with a full
 * `node_modules` and `.next` holds tens of thousands of files that Docker never sends).
 */
import { createHash, type Hash } from "crypto";
import * as fs from "fs";
import * as path from "path";

import { type ContextMatcher, createMatcher } from "./dockerignore";

/** What a build consists of, in the terms of `docker build`. */
export interface BuildContextSpec {
  /** The build context directory (`docker build <context>`); relative paths resolve against the working directory. */
  readonly context: string;
  /** The Dockerfile (`docker build -f <dockerfile>`); relative paths resolve against the working directory. */
  readonly dockerfile: string;
  /** Build args (`--build-arg KEY=VALUE`). Default: none. */
  readonly buildArgs?: Record<string, string>;
  /** The target stage (`--target`). Default: the last stage. */
  readonly target?: string;
  /** The target platform (`--platform`). Default: the engine's own. */
  readonly platform?: string;
}

/**
 * Bumped whenever the hashing scheme changes, so that tags computed by an older scheme can never be mistaken for
 * ones computed by a newer one (the same tag would otherwise be claimed by two different encodings).
 */
const SCHEME = "todo-context-hash/v1";

/** Reads happen through one reusable buffer so that hashing a large file never holds it in memory whole. */
const CHUNK_SIZE = 1 << 20;

/** Code-unit order: independent of the locale, unlike `localeCompare`, so every machine sorts alike. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable, unambiguous encoding of one record (JSON escapes newlines and quotes inside file names). */
function record(hash: Hash, fields: readonly string[]): void {
  hash.update(JSON.stringify(fields));
  hash.update("\n");
}

/** The sha256 of a file's content, read in chunks through `buffer`. */
function hashFileContent(absPath: string, buffer: Buffer): { digest: string; executable: boolean } {
  const fd = fs.openSync(absPath, "r");
  try {
    // The mode comes from the open descriptor so that it describes the very file whose bytes are hashed.
    const { mode } = fs.fstatSync(fd);
    const hash = createHash("sha256");
    let read: number;
    while ((read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) {
      hash.update(buffer.subarray(0, read));
    }
    // Only the executable bit is kept: Git and most checkouts preserve nothing finer, so hashing the umask-driven
    // group and other bits would give one tree different tags on different machines.
    return { digest: hash.digest("hex"), executable: (mode & 0o111) !== 0 };
  } finally {
    fs.closeSync(fd);
  }
}

/** The kind of a directory entry, asking the file system only when `readdir` could not tell (`DT_UNKNOWN`). */
function entryKind(entry: fs.Dirent, absPath: string): "dir" | "file" | "symlink" | "other" {
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

/** One thing Docker sends as part of the build context, by its context-relative POSIX path. */
type ContextEntry =
  | { readonly kind: "dir"; readonly rel: string }
  | { readonly kind: "file"; readonly rel: string; readonly abs: string }
  | { readonly kind: "symlink"; readonly rel: string; readonly abs: string }
  | { readonly kind: "other"; readonly rel: string };

/**
 * Walks `absDir` depth first in sorted order and hands every entry Docker would send to `visit`. Entries of an
 * ignored directory that could not be pruned are still visited so that `!` rules can re-include files inside it.
 */
function walk(
  absDir: string,
  relDir: string,
  matcher: ContextMatcher,
  visit: (entry: ContextEntry) => void,
): void {
  const entries = fs.readdirSync(absDir, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name));
  for (const entry of entries) {
    // Relative paths are joined with "/" by hand so that the hash is the same on Windows.
    const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
    const abs = path.join(absDir, entry.name);
    const ignored = matcher.ignores(rel);
    const kind = entryKind(entry, abs);
    if (kind === "dir") {
      // Docker sends directories too (`COPY . .` creates an empty one), so they are part of the content.
      if (!ignored) visit({ kind, rel });
      else if (matcher.canSkipDirectory(rel)) continue;
      walk(abs, rel, matcher, visit);
    } else if (!ignored) {
      visit(kind === "other" ? { kind, rel } : { kind, rel, abs });
    }
  }
}

/** Resolves the context and Dockerfile and builds the matcher Docker would use for them. */
function openContext(opts: Pick<BuildContextSpec, "context" | "dockerfile">): {
  context: string;
  dockerfile: string;
  matcher: ContextMatcher;
} {
  const context = requireExisting(opts.context, "Docker build context", "dir");
  const dockerfile = requireExisting(opts.dockerfile, "Dockerfile", "file");
  const ignoreFile = path.join(context, ".dockerignore");
  const patterns = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8").split(/\r?\n/) : [];
  return { context, dockerfile, matcher: createMatcher(patterns) };
}

/**
 * Lists the context-relative POSIX paths of the files, directories and symlinks that go into the hash, in hashing
 * order: for finding out why a tag changed, and for tests.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function listBuildContext(opts: Pick<BuildContextSpec, "context" | "dockerfile">): string[] {
  const { context, matcher } = openContext(opts);
  const paths: string[] = [];
  walk(context, "", matcher, (entry) => paths.push(entry.kind === "dir" ? `${entry.rel}/` : entry.rel));
  return paths;
}

/** Resolves a path like `docker build` does (against the working directory) and fails with the path named. */
function requireExisting(p: string, what: string, kind: "dir" | "file"): string {
  const abs = path.resolve(p);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new Error(`${what} "${abs}" does not exist (given as "${p}")`);
  }
  if (kind === "dir" && !stat.isDirectory()) throw new Error(`${what} "${abs}" is not a directory`);
  if (kind === "file" && !stat.isFile()) throw new Error(`${what} "${abs}" is not a file`);
  return abs;
}

/**
 * Computes a sha256 (hex) over everything that determines an image built by
 * `docker build -f <dockerfile> [--build-arg ...] [--target ...] [--platform ...] <context>`:
 *
 * - every file, directory and symlink of the context that reaches the builder's COPY, honouring the context
 *   root's `.dockerignore` with Docker's matching semantics (`!` re-includes), each by its relative POSIX path,
 *   and for files their content and executable bit, for symlinks their target text;
 * - the Dockerfile's content (wherever it lives; its path does not change the image);
 * - the build args sorted by key, the target stage and the platform.
 *
 * The result does not depend on modification times, on `readdir` order or on the OS path separator.
 *
 * An ignored directory is skipped without being read unless a `!` rule could re-include something below it. That
 * is at least as thorough as Docker, whose walker skips an ignored directory unless a `!` rule's text starts with
 * the directory's path: for a `!` rule with a wildcard before the part that reaches inside (`!docs/s?b/notes.txt`
 * reaching into `docs/sub`), Docker sends nothing from there while this still hashes the files the rule matches.
 * That can only cost a spurious new tag, never a missed change.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function hashBuildContext(opts: BuildContextSpec): string {
  const { context, dockerfile, matcher } = openContext(opts);
  const hash = createHash("sha256");
  record(hash, [SCHEME]);
  record(hash, ["dockerfile", createHash("sha256").update(fs.readFileSync(dockerfile)).digest("hex")]);
  const args = Object.entries(opts.buildArgs ?? {}).sort(([a], [b]) => byCodeUnit(a, b));
  for (const [key, value] of args) record(hash, ["arg", key, value]);
  record(hash, ["target", opts.target ?? ""]);
  record(hash, ["platform", opts.platform ?? ""]);
  // The records above have a fixed shape and the context records below all start with a one-letter type, so the
  // two parts cannot be confused with each other.
  const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  walk(context, "", matcher, (entry) => {
    if (entry.kind === "dir") {
      record(hash, ["d", entry.rel]);
    } else if (entry.kind === "file") {
      const { digest, executable } = hashFileContent(entry.abs, buffer);
      record(hash, ["f", entry.rel, executable ? "x" : "-", digest]);
    } else if (entry.kind === "symlink") {
      // Docker sends a symlink as a link, never its target's content, so the link text is what matters.
      record(hash, ["l", entry.rel, fs.readlinkSync(entry.abs)]);
    } else {
      record(hash, ["o", entry.rel]);
    }
  });
  return hash.digest("hex");
}

/**
 * Turns a context hash into a Docker tag: `c-` and the first 16 hex digits (64 bits, ample for one repository's
 * builds). The prefix keeps the tag readable as a content tag in `kubectl get pods -o wide` and guarantees it is
 * never `latest`, which Kubernetes would pull with `imagePullPolicy: Always`.
 *
 * @throws Error when `hash` is not a hex sha256.
 */
export function imageTag(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error(`imageTag expects a lower-case hex sha256 from hashBuildContext, got "${hash}"`);
  }
  return `c-${hash.slice(0, 16)}`;
}
