/**
 * Content tags for container images.
 *
 * A Deployment rolls its pods only when its image reference changes, and a registry-less cluster (minikube with
 * a locally built image) cannot tell two builds that share a tag apart. So the tag is derived from everything
 * that goes into the image: the context files the Dockerfile reads, the Dockerfile, the build args, the target
 * stage and the platform. Editing a file the image copies gives a new tag and a rollout; touching anything else
 * (an ignored `node_modules`, another service's folder, the program's own state) gives the same tag and none.
 *
 * The hash runs on every `pulumi preview`, synchronously, because the program needs the tag while it constructs
 * resources. It therefore walks only below the paths the Dockerfile reads and prunes ignored directories instead
 * of walking them (contextWalk.ts).
 */
import { createHash, type Hash } from "crypto";
import * as fs from "fs";
import * as path from "path";

import { byCodeUnit, type ContextEntry, walkReadPaths } from "./contextWalk";
import { dockerfileReads, WHOLE_CONTEXT } from "./dockerfileReads";
import { createMatcher, type IgnoreFile, ignoreFileFor, readIgnoreFile } from "./dockerignore";
import { SensitivePathCollector, warningMessages } from "./warnings";

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
const SCHEME = "todo-context-hash/v2";

/** Reads happen through one reusable buffer so that hashing a large file never holds it in memory whole. */
const CHUNK_SIZE = 1 << 20;

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

/** Everything a walk needs, read once: the paths, the Dockerfile's bytes, what it reads and the ignore file. */
interface OpenedBuild {
  readonly context: string;
  readonly dockerfile: Buffer;
  readonly reads: readonly string[];
  readonly fallback?: string;
  readonly ignoreFile: IgnoreFile;
}

function openBuild(spec: BuildContextSpec): OpenedBuild {
  const context = requireExisting(spec.context, "Docker build context", "dir");
  const dockerfilePath = requireExisting(spec.dockerfile, "Dockerfile", "file");
  const dockerfile = fs.readFileSync(dockerfilePath);
  const { paths, fallback } = dockerfileReads(dockerfile.toString("utf8"), spec.buildArgs ?? {});
  return { context, dockerfile, reads: paths, fallback, ignoreFile: ignoreFileFor(context, dockerfilePath) };
}

/**
 * Walks what `build` reads, handing each entry to the visitor that `begin` returns. When a read path goes
 * through a symlink, which BuildKit follows, the walk is redone over the whole context, since the link's target
 * may be anywhere in it; `begin` is called again so that the caller starts afresh.
 */
function walkBuild(
  build: OpenedBuild,
  begin: () => (entry: ContextEntry) => void,
): { readonly reads: readonly string[]; readonly fallback?: string } {
  const matcher = createMatcher(readIgnoreFile(build.ignoreFile));
  const { symlinkOnReadPath } = walkReadPaths(build.context, build.reads, matcher, begin());
  if (symlinkOnReadPath === undefined) return { reads: build.reads, fallback: build.fallback };
  walkReadPaths(build.context, [WHOLE_CONTEXT], matcher, begin());
  return { reads: [WHOLE_CONTEXT], fallback: `the read path "${symlinkOnReadPath}" is a symlink` };
}

/** What analyzing a build finds; see `analyzeBuildContext`. */
export interface BuildContextAnalysis {
  /** The content hash (sha256, hex) the tag is made from. */
  readonly hash: string;
  /** The context-relative paths (wildcards allowed) the Dockerfile reads, `["."]` for the whole context. */
  readonly readPaths: readonly string[];
  /** Why the whole context was hashed although the Dockerfile may read less, when the analysis gave up. */
  readonly wholeContextReason?: string;
  /** The ignore file Docker applies to this build (absolute), and whether it exists. */
  readonly ignoreFile: IgnoreFile;
  /**
   * One message per Pulumi state directory, Pulumi project or stack file, or `.env` file the image would read,
   * naming the path and the line to add to the ignore file. Never any file's content.
   */
  readonly warnings: readonly string[];
}

/**
 * Reads the Dockerfile, walks the context paths it reads and computes, in that one walk, the content hash and
 * the warnings. The hash is a sha256 (hex) over everything that determines an image built by
 * `docker build -f <dockerfile> [--build-arg ...] [--target ...] [--platform ...] <context>`:
 *
 * - every file, directory and symlink below the paths the Dockerfile's COPY and ADD sources and RUN bind mounts
 *   read (dockerfileReads.ts; the whole context when it cannot tell), after the ignore file Docker uses for this
 *   Dockerfile (`<Dockerfile>.dockerignore`, else the context's `.dockerignore`) with Docker's matching semantics
 *   (`!` re-includes), each by its context-relative POSIX path, for files with their content and executable bit,
 *   for symlinks with their target text;
 * - the Dockerfile's content (wherever it lives; its path does not change the image);
 * - the build args sorted by key, the target stage and the platform.
 *
 * The result does not depend on modification times, on `readdir` order or on the OS path separator.
 *
 * A directory outside every read path is never opened. An ignored directory is skipped without being read unless
 * a `!` rule could re-include something below it. That is at least as thorough as Docker, whose walker skips an
 * ignored directory unless a `!` rule's text starts with the directory's path: for a `!` rule with a wildcard
 * before the part that reaches inside (`!docs/s?b/notes.txt` reaching into `docs/sub`), Docker sends nothing
 * from there while this still hashes the files the rule matches. That can only cost a spurious new tag, never a
 * missed change.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function analyzeBuildContext(spec: BuildContextSpec): BuildContextAnalysis {
  const build = openBuild(spec);
  let hash = createHash("sha256");
  let sensitive = new SensitivePathCollector();
  const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  const begin = () => {
    hash = createHash("sha256");
    sensitive = new SensitivePathCollector();
    hashBuildInputs(hash, build.dockerfile, spec);
    return (entry: ContextEntry) => {
      sensitive.add(entry.rel, entry.kind === "dir");
      hashEntry(hash, entry, buffer);
    };
  };
  const { reads, fallback } = walkBuild(build, begin);
  return {
    hash: hash.digest("hex"),
    readPaths: reads,
    ...(fallback === undefined ? {} : { wholeContextReason: fallback }),
    ignoreFile: build.ignoreFile,
    warnings: warningMessages(sensitive.paths, build.ignoreFile, build.context),
  };
}

/** The records that do not come from the context: the scheme, the Dockerfile, the args, target and platform. */
function hashBuildInputs(hash: Hash, dockerfile: Buffer, spec: BuildContextSpec): void {
  record(hash, [SCHEME]);
  record(hash, ["dockerfile", createHash("sha256").update(dockerfile).digest("hex")]);
  const args = Object.entries(spec.buildArgs ?? {}).sort(([a], [b]) => byCodeUnit(a, b));
  for (const [key, value] of args) record(hash, ["arg", key, value]);
  record(hash, ["target", spec.target ?? ""]);
  record(hash, ["platform", spec.platform ?? ""]);
  // The records above have a fixed shape and the context records all start with a one-letter type, so the two
  // parts cannot be confused with each other.
}

/** The record of one context entry. */
function hashEntry(hash: Hash, entry: ContextEntry, buffer: Buffer): void {
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
}

/**
 * The content hash of a build (sha256, hex): `analyzeBuildContext(spec).hash`.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function hashBuildContext(spec: BuildContextSpec): string {
  return analyzeBuildContext(spec).hash;
}

/**
 * The warnings for a build (`analyzeBuildContext(spec).warnings`): one per Pulumi state directory, Pulumi
 * project or stack file, or `.env` file the image would read, each naming the line to add and the ignore file.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function contextWarnings(spec: BuildContextSpec): string[] {
  return [...analyzeBuildContext(spec).warnings];
}

/**
 * Lists the context-relative POSIX paths of the files, directories (with a trailing `/`) and symlinks that go
 * into the hash, in hashing order: for finding out why a tag changed, and for tests.
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function listBuildContext(spec: BuildContextSpec): string[] {
  const build = openBuild(spec);
  let paths: string[] = [];
  walkBuild(build, () => {
    paths = [];
    return (entry) => paths.push(entry.kind === "dir" ? `${entry.rel}/` : entry.rel);
  });
  return paths;
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
