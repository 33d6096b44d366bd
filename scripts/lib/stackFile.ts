/**
 * The plain settings of a stack's `Pulumi.<stack>.yaml`, read before the Pulumi CLI has been found, so the
 * prerequisite check knows which tools this stack needs (minikube, docker) and can name every missing one at
 * once. The stack is then opened through Pulumi, and its real configuration decides the rest.
 */
import * as YAML from "yaml";

import { UserError } from "./errors";

/** In the shape of `Stack.getAllConfig()`; secure values and structured ones are left out. */
export type PlainConfig = Record<string, { value: string }>;

export function stackFileConfig(text: string | undefined, file = "the stack file"): PlainConfig {
  if (text === undefined) {
    return {};
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (error) {
    throw new UserError(brokenStackFileMessage(file, error));
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (typeof config !== "object" || config === null) {
    return {};
  }
  const plain: PlainConfig = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      plain[key] = { value: String(value) };
    }
  }
  return plain;
}

/**
 * Names the file, the line and column and what the parser found, never the line itself: a stack file can hold
 * a secret typed in plaintext by mistake, and the parser's own message quotes the offending line.
 */
export function brokenStackFileMessage(file: string, error: unknown): string {
  const { linePos, code } = error as { linePos?: { line: number; col: number }[]; code?: string };
  const where = linePos?.[0] ? `line ${linePos[0].line}, column ${linePos[0].col}` : "somewhere";
  const what = (error as Error).message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return (
    `${file} is not valid YAML (${where}: ${what}${code ? `, ${code}` : ""}). Fix the file (or remove it to ` +
    "start the stack's settings afresh) and run again; nothing was started."
  );
}
