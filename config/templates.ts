/**
 * Placeholders in build args and env values: `{frontendUrl}` and `{backendPublicUrl}` stand for the addresses
 * the program knows at preview, so a setting such as `NEXT_PUBLIC_API_URL: "{backendPublicUrl}"` follows
 * minikube's IP or a configured URL without being written by hand.
 */

export const PLACEHOLDERS = ["frontendUrl", "backendPublicUrl"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** The `{name}` placeholders a value uses, known or not. */
export function placeholdersIn(value: string): string[] {
  return [...value.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** Replaces every known placeholder; callers have checked that each one used has a value. */
export function resolvePlaceholders(value: string, values: Readonly<Record<Placeholder, string>>): string {
  return value.replace(PLACEHOLDER, (match, name: string) => (isPlaceholder(name) ? values[name] : match));
}
