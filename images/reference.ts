/**
 * Image references (`[registry[:port]/]path[:tag][@digest]`), parsed once for every part of the program that
 * reads one: the config checks (is it pinned?) and the version label of the database.
 */

export interface ImageReference {
  /** Everything before the tag and digest, e.g. `docker.io/library/postgres` or `localhost:5000/app`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<hex>`, when the reference pins a digest. */
  readonly digest?: string;
}

/**
 * Splits a reference the way Docker's reference grammar does: the digest follows `@`, and the tag is the part
 * after the last `:` of the last path segment (a `:` earlier on is a registry port).
 */
export function parseImageReference(ref: string): ImageReference {
  const at = ref.indexOf("@");
  const name = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) {
    return { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
  }
  return { repository: name, digest };
}

/** Pinned: a digest, or an explicit tag other than `latest` (which Kubernetes would pull on every start). */
export function isPinnedImage(ref: string): boolean {
  const { tag, digest } = parseImageReference(ref);
  if (digest?.startsWith("sha256:")) {
    return true;
  }
  return tag !== undefined && tag !== "" && tag !== "latest";
}
