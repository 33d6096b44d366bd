/**
 * Wildcards in COPY and ADD sources, matched one path segment at a time the way BuildKit matches them.
 *
 * BuildKit resolves a wildcard source in tonistiigi/fsutil `copy/copy.go`: `splitWildcards` cuts the path at the
 * first segment that `containsWildcards`, and `resolveWildcards` walks below the literal part and keeps every
 * path whose remainder satisfies Go's `filepath.Match`, copying a matched directory whole. `filepath.Match` never
 * lets `*` or `?` cross a `/`, so matching segment by segment is equivalent.
 */

/** Whether a matcher for one path segment accepts a directory entry's name. */
export type SegmentMatcher = (name: string) => boolean;

/**
 * Whether a path (or one segment of it) holds a wildcard: `*`, `?` or `[`, a backslash escaping the next
 * character. The same test as `containsWildcards` in BuildKit's `frontend/dockerfile/dockerfile2llb/convert_copy.go`
 * and in fsutil's `copy/copy.go`.
 */
export function containsWildcards(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return true;
  }
  return false;
}

/** A `\u{...}` escape, so that any code point is literal inside a regular expression or a character class. */
function literal(codePoint: number): string {
  return `\\u{${codePoint.toString(16)}}`;
}

/**
 * Reads one character of a class at `chars[i]` as Go's `getEsc` does: a backslash takes the next character
 * literally, and an unescaped `-` or `]` is a malformed pattern.
 */
function classChar(chars: readonly string[], i: number): { codePoint: number; next: number } | null {
  let ch = chars[i];
  if (ch === undefined || ch === "-" || ch === "]") return null;
  if (ch === "\\") {
    i++;
    ch = chars[i];
    if (ch === undefined) return null;
  }
  return { codePoint: ch.codePointAt(0) ?? 0, next: i + 1 };
}

/**
 * Translates a character class starting after its `[` into a regular expression, following Go's `matchChunk`:
 * an optional `^` negates, at least one character or `lo-hi` range is required, and `]` closes the class.
 */
function classRegExp(chars: readonly string[], start: number): { source: string; next: number } | null {
  let i = start;
  const negated = chars[i] === "^";
  if (negated) i++;
  const ranges: string[] = [];
  let count = 0;
  for (;;) {
    if (chars[i] === "]" && count > 0) break;
    const lo = classChar(chars, i);
    if (lo === null) return null;
    i = lo.next;
    let hi = lo;
    if (chars[i] === "-") {
      const end = classChar(chars, i + 1);
      if (end === null) return null;
      hi = end;
      i = end.next;
    }
    count++;
    // Go accepts a reversed range and lets it match nothing; a regular expression would reject it outright.
    if (lo.codePoint <= hi.codePoint) ranges.push(`${literal(lo.codePoint)}-${literal(hi.codePoint)}`);
  }
  const set = ranges.join("");
  if (negated) return { source: set === "" ? "." : `[^${set}]`, next: i + 1 };
  return { source: set === "" ? "(?!)" : `[${set}]`, next: i + 1 };
}

/**
 * Compiles one segment of a source path into a matcher with Go's `filepath.Match` semantics (`*` any run of
 * characters, `?` one character, `[...]` a class with `^` negating, `\` escaping). Returns `null` for a pattern
 * that `filepath.Match` rejects as malformed: BuildKit then copies nothing, and the caller falls back to hashing
 * the whole context rather than guessing.
 */
export function compileSegment(segment: string): SegmentMatcher | null {
  if (!containsWildcards(segment)) {
    // Without wildcards only escapes can be left, and a trailing backslash escapes nothing: Go rejects it.
    if (/(?:^|[^\\])(?:\\\\)*\\$/.test(segment)) return null;
    const literalName = segment.replace(/\\(.)/gsu, "$1");
    return (name) => name === literalName;
  }
  // Go compares code points, so the pattern is split into them and the expression runs in unicode mode.
  const chars = Array.from(segment);
  let source = "^";
  for (let i = 0; i < chars.length;) {
    const ch = chars[i];
    if (ch === "*") {
      source += ".*";
      i++;
    } else if (ch === "?") {
      source += ".";
      i++;
    } else if (ch === "[") {
      const cls = classRegExp(chars, i + 1);
      if (cls === null) return null;
      source += cls.source;
      i = cls.next;
    } else if (ch === "\\") {
      const escaped = chars[i + 1];
      if (escaped === undefined) return null;
      source += literal(escaped.codePointAt(0) ?? 0);
      i += 2;
    } else {
      source += literal(ch.codePointAt(0) ?? 0);
      i++;
    }
  }
  // `s` lets `.` match a newline as Go's `?` and `*` do; a segment never holds `/`, so `.` cannot cross one.
  const re = new RegExp(`${source}$`, "su");
  return (name) => re.test(name);
}
