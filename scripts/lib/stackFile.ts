/**
 * The plain settings of a stack's `Pulumi.<stack>.yaml`, read before the Pulumi CLI has been found, so the
 * prerequisite check knows which tools this stack needs (minikube, docker) and can name every missing one at
 * once. The stack is then opened through Pulumi, and its real configuration decides the rest.
 */
import * as YAML from "yaml";

/** In the shape of `Stack.getAllConfig()`; secure values and structured ones are left out. */
export type PlainConfig = Record<string, { value: string }>;

export function stackFileConfig(text: string | undefined): PlainConfig {
  if (text === undefined) {
    return {};
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch {
    // A broken stack file is Pulumi's to report, with its line; here it only means "the defaults".
    return {};
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
