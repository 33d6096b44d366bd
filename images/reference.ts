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

/*
 * The reference grammar of the distribution project (github.com/distribution/reference, regexp.go, formerly
 * docker/distribution reference/regexp.go: `referencePat` built from `namePat`, `tag` and `digestPat`), which
 * Docker, containerd and the kubelet all parse image names with. Composed here from the same productions.
 */
const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const OPTIONAL_PORT = "(?::[0-9]+)?";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
const IPV6_ADDRESS = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN_NAME = `${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*`;
const HOST = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})`;
const DOMAIN_AND_PORT = HOST + OPTIONAL_PORT;
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;

/** `referencePat`: name, optional `:tag`, optional `@digest`, anchored (`\w` is ASCII, as in Go RE2). */
export const REFERENCE_PATTERN = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** distribution's `NameTotalLengthMax`: a repository name (the part before tag and digest) is at most 255. */
const NAME_TOTAL_LENGTH_MAX = 255;

export const IMAGE_REFERENCE_ACCEPTED =
  "an image reference as Docker parses it, [registry[:port]/]path[:tag][@sha256:digest], in lower case, " +
  "e.g. postgres:16.6-bookworm or ghcr.io/acme/python:3.12-slim";

/** Why `ref` is not a valid image reference, or undefined when it is one. */
export function imageReferenceProblem(ref: string): string | undefined {
  if (ref === "") return "it is empty";
  if (/\s/.test(ref)) return "it contains white space";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) return "it has a URL scheme, which a reference never carries";
  const match = REFERENCE_PATTERN.exec(ref);
  if (!match) {
    return /[A-Z]/.test(ref.split(/[:@]/)[0]) ? "the repository is not all lower case" : "it does not parse";
  }
  if (match[1].length > NAME_TOTAL_LENGTH_MAX) {
    return `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
  }
  return undefined;
}

export function isImageReference(ref: string): boolean {
  return imageReferenceProblem(ref) === undefined;
}

/**
 * The reference a registry target's pods run: the pushed image's `repoDigest`, `<repository>@sha256:<hex>`, so
 * what runs is exactly what was pushed and a re-pushed tag never changes a running pod. pulumi-docker fills
 * `repoDigest` of a pushed image from the push's own digest (or, when the daemon reports none, the local
 * store's RepoDigests entry for the repository, `<none>@<none>` without one), and of an unpushed image with the
 * bare image ID `sha256:<hex>`, which no node can pull (pulumi/pulumi-docker provider/image.go, dockerBuild,
 * parseRepoDigestFromAux, getRepoDigest). Anything but a digest of this very repository is refused, so an
 * update fails instead of deploying a reference the nodes cannot resolve.
 */
export function digestReference(repository: string, repoDigest: string | undefined): string {
  const match = /^(.+)@(sha256:[0-9a-f]{64})$/.exec(repoDigest ?? "");
  // The provider normalises the name (ParseNormalizedNamed): a Docker Hub repository gains `docker.io/`.
  const bare = (name: string) => name.replace(/^docker\.io\//, "");
  if (!match || bare(match[1]) !== bare(repository)) {
    throw new Error(
      `The image pushed to ${repository} has no registry digest (repoDigest is ${JSON.stringify(repoDigest ?? "")}), ` +
        "so the pods could not be pinned to it. Check that the push to the registry succeeded, and run the update again.",
    );
  }
  return `${repository}@${match[2]}`;
}
