/**
 * The small part of the Dockerfile shell lexer that source paths and mount options go through: quotes and
 * `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`. BuildKit expands these words
 * with its `shell.Lex` (`ProcessWord`) against the stage's environment; anything beyond this subset is reported
 * as unresolvable, so that the caller hashes the whole context instead of guessing.
 */

/** Marks a variable whose value cannot be known without building, e.g. one a base image's ENV may set. */
export const UNKNOWN: unique symbol = Symbol("unknown");

/** A variable's value as far as reading the Dockerfile can tell: a string, unset (`undefined`), or `UNKNOWN`. */
export type VariableValue = string | undefined | typeof UNKNOWN;

export type Lookup = (name: string) => VariableValue;

const NAME_START = /[A-Za-z_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Applies one `${NAME<op>word}` modifier the way a POSIX shell (and BuildKit's lexer) does. */
function applyModifier(value: string | undefined, op: string, word: string): string {
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  switch (op) {
    case ":-":
      return nonEmpty ? value : word;
    case "-":
      return set ? value : word;
    case ":+":
      return nonEmpty ? word : "";
    default: // "+"
      return set ? word : "";
  }
}

/** Expands the `${...}` starting at `word[start]` (the `$`); returns the text and the index after the `}`. */
function expandBraced(word: string, start: number, lookup: Lookup): { text: string; next: number } | null {
  const close = word.indexOf("}", start);
  if (close === -1) return null;
  const body = word.slice(start + 2, close);
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\+|-|\+)([^$'"{}\\`]*))?$/.exec(body);
  if (m === null) return null;
  const value = lookup(m[1]);
  if (value === UNKNOWN) return null;
  const text = m[2] === undefined ? (value ?? "") : applyModifier(value, m[2], m[3]);
  return { text, next: close + 1 };
}

/**
 * Expands one word (a COPY source, a mount option's value, an ARG default) and removes its quotes. Returns
 * `null` when the result is not statically known: a variable whose value is `UNKNOWN`, an unterminated quote, a
 * backslash or the Dockerfile's escape character (whose meaning depends on the lexer's context), or a `$` form
 * outside the subset above.
 *
 * @param escapeChar the Dockerfile's escape character (`\` unless an `# escape=` directive says otherwise).
 */
export function expandWord(word: string, lookup: Lookup, escapeChar = "\\"): string | null {
  let out = "";
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < word.length;) {
    const ch = word[i];
    if (ch === "\\" || ch === escapeChar) return null;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else out += ch;
      i++;
    } else if ((ch === "'" && quote === null) || ch === '"') {
      quote = ch === '"' && quote === '"' ? null : ch;
      i++;
    } else if (ch === "$") {
      if (word[i + 1] === "{") {
        const braced = expandBraced(word, i, lookup);
        if (braced === null) return null;
        out += braced.text;
        i = braced.next;
      } else if (NAME_START.test(word[i + 1] ?? "")) {
        const name = NAME.exec(word.slice(i + 1))?.[0] ?? "";
        const value = lookup(name);
        if (value === UNKNOWN) return null;
        out += value ?? "";
        i += 1 + name.length;
      } else {
        return null;
      }
    } else {
      out += ch;
      i++;
    }
  }
  return quote === null ? out : null;
}
