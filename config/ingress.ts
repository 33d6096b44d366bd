/**
 * The Ingress settings: a host (which turns the Ingress on), its class, a cert-manager ClusterIssuer for TLS,
 * the path prefix of an exposed backend, and the ingress controller's namespace. A setting that would have no
 * effect (an Ingress setting without ingressHost, a NodePort with it) is refused, so a stack file says what
 * it does.
 */
import { FRONTEND } from "../catalog";
import type { IngressSettings } from "../k8s/ingress";
import type { ConfigKeyName } from "./keys";
import type { ConfigReader } from "./reader";
import { isDns1123Label, isDns1123Subdomain, nonAsciiCharacter } from "./validate";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const PATH_PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;

/** Why `host` cannot be the Ingress's host, or undefined. */
export function ingressHostProblem(host: string): string | undefined {
  const accepted = "a host name alone, e.g. todo.example.com";
  const odd = nonAsciiCharacter(host);
  if (odd !== undefined) {
    return (
      `${accepted}: it contains ${odd.codePoint} at position ${odd.position}, which is not an ASCII letter, ` +
      "digit, '.' or '-' (a look-alike or invisible character: retype the name; an internationalized name is " +
      "written in its xn-- form)"
    );
  }
  if (host.startsWith("*.")) {
    return `${accepted}: a wildcard matches many hosts, and the app's public URL (frontendUrl) is one`;
  }
  if (/[/:@]/.test(host)) return `${accepted}, without a scheme, port or path`;
  if (IPV4.test(host)) return `${accepted}: an Ingress host cannot be an IP address`;
  if (host !== host.toLowerCase()) return `${accepted}, in lower case`;
  if (!isDns1123Subdomain(host) || !host.includes(".")) {
    return (
      `${accepted}: an RFC 1123 DNS name of at least two dot-separated labels (lower-case letters, digits and ` +
      "'-', each at most 63 characters, 253 in all), with no trailing dot"
    );
  }
  return undefined;
}

/**
 * The first path elements the frontend serves itself, which an exposed backend's prefix must leave to it: Next.js
 * route handlers under `/api` (the frontend's health check, FRONTEND.livenessPath, which `npm run up` fetches
 * through the Ingress, and an auth library's routes such as Better Auth's `/api/auth`), and Next.js's scripts and
 * styles under `/_next` (nextjs.org docs, next.config.js assetPrefix: "the JavaScript and CSS files it loads from
 * the /_next/ path").
 */
export const FRONTEND_PATH_PREFIXES: readonly string[] = [
  `/${FRONTEND.livenessPath.split("/")[1]}`,
  "/_next",
];

/** Why `path` cannot be the backend's prefix on the Ingress, or undefined. */
export function ingressPathProblem(path: string): string | undefined {
  const accepted = "an absolute path prefix such as /backend or /todo-api";
  const odd = nonAsciiCharacter(path);
  if (odd !== undefined) {
    return (
      `${accepted}: it contains ${odd.codePoint} at position ${odd.position}, which is not an ASCII letter, ` +
      "digit or one of / . _ ~ - (a look-alike or invisible character: retype it)"
    );
  }
  if (path === "/") return `${accepted}, not /: that is the frontend's`;
  if (!PATH_PREFIX.test(path) || path.split("/").some((s) => s === "." || s === "..")) {
    return `${accepted}: segments of letters, digits, '.', '_', '~' and '-', no trailing slash, no . or .. segment`;
  }
  // An Ingress `Prefix` path matches element by element (k8s.io/api networking/v1 HTTPIngressPath.pathType, as
  // @pulumi/kubernetes types/input.d.ts carries it: /foo/bar matches /foo/bar/baz, not /foo/barbaz), so a prefix
  // whose first element is one of the frontend's takes some or all of its paths (/api takes /api/health,
  // /api/auth takes Better Auth's routes) and another whose first element merely starts alike (/apis) takes none.
  // Compared without case, as a controller may match paths case-insensitively.
  const first = `/${path.split("/")[1]}`.toLowerCase();
  const taken = FRONTEND_PATH_PREFIXES.find((prefix) => prefix === first);
  if (taken !== undefined) {
    return (
      `${accepted}, outside the frontend's own paths: ${FRONTEND_PATH_PREFIXES.join(" and ")} and everything ` +
      `under them are the frontend's (its health check ${FRONTEND.livenessPath}, its API and auth routes, its ` +
      `scripts), and ${path} would send ${path.toLowerCase() === taken ? "all of " : "part of "}${taken} to the backend`
    );
  }
  return undefined;
}

const INGRESS_ONLY: readonly ConfigKeyName[] = [
  "ingressClass",
  "tlsIssuer",
  "backendIngressPath",
  "ingressControllerNamespace",
];

/** The Ingress, or undefined without ingressHost. `exposeBackend` is the services reader's. */
export function readIngress(config: ConfigReader, exposeBackend: boolean): IngressSettings | undefined {
  const problems = config.problems;
  const host = config.string("ingressHost");
  if (host === "") {
    for (const key of INGRESS_ONLY) {
      if (config.get(key) !== undefined) {
        problems.add(key, config.string(key), "set only with ingressHost, which turns the Ingress on");
      }
    }
    return undefined;
  }
  const hostProblem = ingressHostProblem(host);
  if (hostProblem !== undefined) problems.add("ingressHost", host, hostProblem);

  for (const key of ["frontendNodePort", "backendNodePort"] as const) {
    if (config.get(key) !== undefined) {
      problems.add(
        key,
        config.string(key),
        "no value with ingressHost: the Ingress serves the app and no NodePort is opened on the nodes; " +
          `remove it (\`npm run pulumi -- config rm ${key}\`)`,
      );
    }
  }

  const className = config.string("ingressClass");
  if (className !== "" && !isDns1123Subdomain(className)) {
    problems.add(
      "ingressClass",
      className,
      "the name of an IngressClass (see `kubectl get ingressclass`): a DNS-1123 subdomain, or empty for the " +
        "cluster's default class",
    );
  }
  const tlsIssuer = config.string("tlsIssuer");
  if (tlsIssuer !== "" && !isDns1123Subdomain(tlsIssuer)) {
    problems.add(
      "tlsIssuer",
      tlsIssuer,
      "the name of a cert-manager ClusterIssuer (see `kubectl get clusterissuer`): a DNS-1123 subdomain",
    );
  }
  const controllerNamespace = config.string("ingressControllerNamespace");
  if (!isDns1123Label(controllerNamespace)) {
    problems.add(
      "ingressControllerNamespace",
      controllerNamespace,
      "the namespace the ingress controller's pods run in (a DNS-1123 label), e.g. ingress-nginx",
    );
  }

  const backendPath = config.string("backendIngressPath");
  if (backendPath === "" && exposeBackend) {
    problems.add(
      "backendIngressPath",
      backendPath,
      "a path prefix when exposeBackend is true with ingressHost: the Ingress serves the backend there, " +
        "forwarded unchanged, e.g. /backend (the backend serves under it)",
    );
  } else if (backendPath !== "" && !exposeBackend) {
    problems.add("backendIngressPath", backendPath, "set only with exposeBackend true");
  } else if (backendPath !== "") {
    const pathProblem = ingressPathProblem(backendPath);
    if (pathProblem !== undefined) problems.add("backendIngressPath", backendPath, pathProblem);
  }

  return {
    host,
    className: className || undefined,
    tlsIssuer: tlsIssuer || undefined,
    backendPath: exposeBackend && backendPath !== "" ? backendPath : undefined,
    controllerNamespace,
  };
}
