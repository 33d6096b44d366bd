/**
 * A command line to show a user (a hint, an output to copy), built from an argument list. Plain words stay as
 * they are, so the common case reads like the command one would type; anything else is quoted by
 * `shell-quote`, so a context or profile name with spaces, quotes or `;` stays one argument when pasted into a
 * shell. Commands this project runs itself never go through a shell: they are spawned with argument lists.
 */
import { quote } from "shell-quote";

/** Characters no POSIX shell treats specially inside a word. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellCommand(argv: readonly string[]): string {
  return argv.map((arg) => (PLAIN.test(arg) ? arg : quote([arg]))).join(" ");
}
