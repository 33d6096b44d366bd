// Reading resource properties as the engine hands them to a rule: plain JSON behind a proxy that throws on values
// unknown during preview, and possibly malformed. Nothing here knows about workloads or rules.
import type * as k8s from "@pulumi/kubernetes";
import type { Unwrap } from "@pulumi/pulumi";

export type LabelSelector = Unwrap<k8s.types.input.meta.v1.LabelSelector>;
type LabelSelectorRequirement = Unwrap<k8s.types.input.meta.v1.LabelSelectorRequirement>;

const UNKNOWN = Symbol("unknown during preview");

/**
 * Reads one property, turning "unknown during preview" into a marker. CrossGuard wraps props in a proxy that throws
 * when a value is unknown (an Output of a resource not created yet). The props are deserialized plain JSON, so the
 * proxy is the only thing that can throw here.
 */
function readKnown(holder: object, key: string | number): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key];
  } catch {
    return UNKNOWN;
  }
}

/**
 * Copies props into plain data in which every value unknown during preview is simply absent. The rules then treat an
 * unknown value exactly like a missing one: a violation only where the field must be present. This also means a rule
 * never aborts half-way through a resource because one unrelated field (typically the image) is unknown.
 */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = readKnown(value, i);
      items.push(item === UNKNOWN ? undefined : toPlain(item));
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = readKnown(value, key);
      if (item !== UNKNOWN && item !== undefined) {
        copy[key] = toPlain(item);
      }
    }
    return copy;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Only the object elements of an array; anything malformed is skipped rather than crashing the analyzer. */
export function records<T>(value: readonly T[] | undefined | null): T[] {
  return Array.isArray(value) ? (value as unknown[]).filter(isRecord).map((item) => item as T) : [];
}

export function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

export function recordAt<T>(value: unknown, path: readonly string[]): T | undefined {
  const found = getPath(value, path);
  return isRecord(found) ? (found as T) : undefined;
}

/** Structural equality over plain JSON, used to tell two probes apart. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => deepEqual(item, b[index]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keysOf = (r: Record<string, unknown>) => Object.keys(r).filter((k) => r[k] !== undefined);
    const keys = keysOf(a);
    return keys.length === keysOf(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/** The string-valued entries of a labels map; anything else in it cannot be a label. */
export function stringLabels(labels: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (isRecord(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      if (typeof value === "string") {
        result[key] = value;
      }
    }
  }
  return result;
}

/** A parsed image reference. A registry port ("localhost:5000/app") is not a tag. */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
  return { tag: tag === "" ? undefined : tag, digest: digest === "" ? undefined : digest };
}

/**
 * The registry host an image reference names, or undefined for a Docker Hub name ("postgres:16", "acme/app", or a
 * locally built "todo-backend:c-0123456789abcdef"). This follows the reference grammar of distribution/reference
 * (normalize.go, splitDockerDomain): the first of several path components is a host when it is "localhost",
 * contains a "." or a ":", or has an upper-case letter (repository paths are lower-case).
 */
export function registryHost(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) {
    return undefined;
  }
  const first = image.slice(0, slash);
  const isHost =
    first === "localhost" || first.includes(".") || first.includes(":") || first.toLowerCase() !== first;
  return isHost ? first : undefined;
}

/** True when the image is referenced by a sha256 content digest, e.g. "ghcr.io/acme/app@sha256:<64 hex>". */
export function hasSha256Digest(image: string): boolean {
  const { digest } = parseImage(image);
  return digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest);
}

/** True when the image names an exact build: a digest, or a tag other than "latest". */
export function isPinnedImage(image: string): boolean {
  const { tag, digest } = parseImage(image);
  return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/** Label selector semantics of Kubernetes (matchLabels and matchExpressions are ANDed; an empty selector matches all). */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!isRecord(selector)) {
    return false;
  }
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) {
      return false;
    }
  }
  return records(selector.matchExpressions).every((expression) => expressionMatches(expression, labels));
}

function expressionMatches(expression: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
  const values = Array.isArray(expression.values) ? expression.values : [];
  switch (expression.operator) {
    case "In":
      return has && values.includes(labels[expression.key]);
    case "NotIn":
      return !has || !values.includes(labels[expression.key]);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}
