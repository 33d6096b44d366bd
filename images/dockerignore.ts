/**
 * `.dockerignore` with Docker's own semantics, plus the one thing a hashing walk needs on top: whether an
 * ignored directory may be skipped without reading it. Which paths are ignored is always decided by
 * `@balena/dockerignore` (a port of Docker's Go code); the pruning decision here only ever errs towards walking.
 */
import dockerignore from "@balena/dockerignore";
import * as fs from "fs";
import * as path from "path";

/**
 * A `.dockerignore` matcher that knows, besides whether a path is ignored, whether an ignored directory may be
 * skipped without looking inside it.
 */
export interface ContextMatcher {
  /** Whether Docker leaves the file or directory at this context-relative POSIX path out of the context. */
  ignores(relPath: string): boolean;
  /**
   * Whether nothing below this ignored directory can be re-included by a `!` rule, so a walk may skip it.
   * Answers `false` whenever in doubt: walking too much costs time, skipping too much would miss a change.
   */
  canSkipDirectory(relDir: string): boolean;
}

/**
 * One `.dockerignore` rule, cleaned the way `@balena/dockerignore` (a port of Docker's own Go code) cleans it:
 * trimmed, `!` split off, `path.Clean`-ed, leading and trailing slashes removed.
 */
interface ParsedRule {
  readonly negative: boolean;
  readonly pattern: string;
}

/**
 * Parses one `.dockerignore` line into a rule, mirroring `@balena/dockerignore`'s `_createRule`, which in turn
 * mirrors Docker's `dockerignore.ReadAll` and `fileutils.NewPatternMatcher`. Only the pruning decision uses this;
 * which files are ignored is always decided by `@balena/dockerignore` itself.
 */
function parseRule(line: string): ParsedRule | null {
  if (line.trim() === "" || line.startsWith("#")) return null;
  let pattern = line.trim();
  let negative = false;
  if (pattern.startsWith("!")) {
    negative = true;
    pattern = pattern.slice(1).trim();
  }
  if (pattern.length > 0) {
    pattern = cleanPosix(pattern);
    if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
  }
  // Docker prefixes the `!` again and parses the result a second time, so a rule such as `/!x` also negates.
  pattern = cleanPosix((negative ? "!" : "") + pattern).trim();
  if (pattern === "" || pattern === "!") return null;
  if (pattern.startsWith("!")) return { negative: true, pattern: pattern.slice(1) };
  return { negative: false, pattern };
}

/** Go's `filepath.Clean` for POSIX paths, as `@balena/dockerignore` implements it. */
function cleanPosix(p: string): string {
  const normalized = path.posix.normalize(p);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/**
 * Translates one path segment of a pattern into a regular expression exactly as `@balena/dockerignore` compiles
 * whole patterns (`*` and `?` never cross a slash, `\` escapes the next character, `.` and `$` are literal), so
 * that the pruning decision and the matcher agree on what a segment matches.
 */
function segmentRegExp(segment: string): RegExp | null {
  let source = "^";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else if (ch === "." || ch === "$") source += `\\${ch}`;
    else if (ch === "\\") {
      source += i + 1 < segment.length ? `\\${segment[++i]}` : "\\\\";
    } else source += ch;
  }
  try {
    return new RegExp(`${source}$`);
  } catch {
    // An unbalanced `[` and the like: the caller treats "cannot tell" as "might match" and walks the directory.
    return null;
  }
}

/**
 * Whether `pattern` (split into segments) could match the directory `dir` or some path below it. Used only to
 * decide whether an ignored directory can be skipped, so every uncertainty answers `true`.
 *
 * A rule that matches only an ancestor of `dir` answers `false`: Docker applies such a rule to the ancestor's
 * whole subtree alike, so it cannot make a file below `dir` differ from `dir` itself.
 */
function mayMatchAtOrBelow(
  pattern: readonly string[],
  pi: number,
  dir: readonly string[],
  di: number,
): boolean {
  // The directory is used up: whatever is left of the pattern may still match something inside it.
  if (di === dir.length) return true;
  // The pattern is used up while the directory goes deeper: it matches an ancestor only (see above).
  if (pi === pattern.length) return false;
  const segment = pattern[pi];
  if (segment === "**") {
    // `**` matches any number of segments, none included.
    return mayMatchAtOrBelow(pattern, pi + 1, dir, di) || mayMatchAtOrBelow(pattern, pi, dir, di + 1);
  }
  // A `**` inside a segment (`a**b`) compiles to `.*`, which crosses slashes: too loose to reason about cheaply.
  if (segment.includes("**")) return true;
  const re = segmentRegExp(segment);
  if (re === null) return true;
  return re.test(dir[di]) && mayMatchAtOrBelow(pattern, pi + 1, dir, di + 1);
}

/**
 * Builds a matcher from `.dockerignore` lines with Docker's semantics (via `@balena/dockerignore`, case-sensitive
 * like Docker on Linux: its default of case-insensitive matching would hide files Docker really sends).
 *
 * The Dockerfile and `.dockerignore` get no special treatment: the CLI does send them when a rule excludes them,
 * but the builder removes them again before any COPY sees the context (checked against a real `docker build` by
 * test/imageBuilds/context.test.ts), so an excluded one is not part of the image. The Dockerfile's content is hashed
 * on its own in any case.
 *
 * @param patterns the lines of a `.dockerignore` file (comments and blank lines allowed).
 */
export function createMatcher(patterns: readonly string[]): ContextMatcher {
  const ig = dockerignore({ ignorecase: false }).add([...patterns]);
  const reincludes = patterns
    .map(parseRule)
    .filter((r): r is ParsedRule => r !== null && r.negative)
    .map((r) => r.pattern.split("/"));
  return {
    ignores: (relPath) => ig.ignores(relPath),
    canSkipDirectory: (relDir) => {
      const dir = relDir.split("/");
      return !reincludes.some((segments) => mayMatchAtOrBelow(segments, 0, dir, 0));
    },
  };
}

/**
 * Whether Docker would leave `relPath` (context-relative, POSIX separators) out of the build context under the
 * given `.dockerignore` lines. A convenience for tests and one-off checks; build a matcher once for many paths.
 */
export function isIgnored(patterns: readonly string[], relPath: string): boolean {
  return createMatcher(patterns).ignores(relPath);
}

/** The ignore file a build uses, and whether it exists (where a new rule should go when it does not). */
export interface IgnoreFile {
  /** Absolute path. */
  readonly path: string;
  readonly exists: boolean;
}

/**
 * The ignore file Docker applies when building `dockerfile` (absolute) with `context` (absolute):
 * `<Dockerfile>.dockerignore` beside the Dockerfile when there is one, else the context root's `.dockerignore`
 * (reported as missing when that does not exist either). Never both: the first one found is used alone.
 *
 * That is what pulumi-docker does before it sends the context (`getIgnorePatterns` in `provider/provider.go`,
 * called by `dockerBuild` in `provider/image.go`, the code path of `docker.Image`), and what BuildKit's Dockerfile
 * frontend does on its side (`ReadEntrypoint` reads `<filename>.dockerignore` from the Dockerfile's directory,
 * `dockerIgnorePatterns` falls back to the context's `.dockerignore` only when that gave nothing; both in
 * `frontend/dockerui/config.go`). Any filtering after pulumi-docker's can only remove more, so hashing after this
 * file never misses what the build reads.
 */
export function ignoreFileFor(context: string, dockerfile: string): IgnoreFile {
  const beside = `${dockerfile}.dockerignore`;
  if (fs.existsSync(beside)) return { path: beside, exists: true };
  const root = path.join(context, ".dockerignore");
  return { path: root, exists: fs.existsSync(root) };
}

/** The lines of an ignore file, none when it does not exist. */
export function readIgnoreFile(file: IgnoreFile): string[] {
  return file.exists ? fs.readFileSync(file.path, "utf8").split(/\r?\n/) : [];
}
