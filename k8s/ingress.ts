/**
 * The pure builder of the app's Ingress: one host, the frontend at `/`, an exposed backend at its own path
 * prefix, and, with a cert-manager ClusterIssuer, TLS for the host.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The annotation cert-manager's ingress-shim reads: for each `tls` entry of an Ingress carrying it, it creates a
 * Certificate for the entry's hosts, stored in the entry's `secretName` (cert-manager/cert-manager
 * pkg/apis/certmanager/v1/types.go `IngressClusterIssuerNameAnnotationKey`; pkg/controller/certificate-shim/sync.go,
 * buildCertificates, which skips an entry without hosts or a secretName).
 */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/** The validated Ingress settings (config/ingress.ts). */
export interface IngressSettings {
  /** A single DNS name, e.g. `todo.example.com`. */
  readonly host: string;
  /** The IngressClass; undefined leaves it to the cluster's default class. */
  readonly className?: string;
  /** With a cert-manager ClusterIssuer, the host is served over HTTPS with the certificate it issues. */
  readonly tlsIssuer?: string;
  /** The path prefix of an exposed backend (exposeBackend); undefined when it is not exposed. */
  readonly backendPath?: string;
  /** The namespace of the ingress controller's pods, which the NetworkPolicies admit. */
  readonly controllerNamespace: string;
}

/** The Secret cert-manager writes the host's certificate to: one per stack, since a namespace is one stack's. */
export const TLS_SECRET_NAME = "todo-tls";

/** `https://<host>` with TLS, else `http://<host>`: the app's public URL behind the Ingress. */
export function ingressUrl(ingress: Pick<IngressSettings, "host" | "tlsIssuer">): string {
  return `${ingress.tlsIssuer ? "https" : "http"}://${ingress.host}`;
}

/** A Service the Ingress routes to, by its name and its port's name (`http` on both app Services). */
export interface IngressBackend {
  readonly serviceName: pulumi.Input<string>;
  readonly portName: string;
}

export function ingressAnnotations(ingress: IngressSettings): Record<string, string> | undefined {
  return ingress.tlsIssuer ? { [CLUSTER_ISSUER_ANNOTATION]: ingress.tlsIssuer } : undefined;
}

/**
 * `Prefix` paths match element by element (the API's PathType: `/backend` matches `/backend` and
 * `/backend/todos`, never `/backendx`). The backend's prefix comes before the frontend's `/`: controllers that
 * rank by length and those that take the first match then agree. The path is forwarded unchanged, so the
 * backend serves under its prefix.
 */
export function ingressSpec(
  ingress: IngressSettings,
  frontend: IngressBackend,
  backend?: IngressBackend,
): k8s.types.input.networking.v1.IngressSpec {
  const route = (path: string, to: IngressBackend) => ({
    path,
    pathType: "Prefix",
    backend: { service: { name: to.serviceName, port: { name: to.portName } } },
  });
  return {
    ingressClassName: ingress.className,
    tls: ingress.tlsIssuer ? [{ hosts: [ingress.host], secretName: TLS_SECRET_NAME }] : undefined,
    rules: [
      {
        host: ingress.host,
        http: {
          paths: [
            ...(ingress.backendPath !== undefined && backend ? [route(ingress.backendPath, backend)] : []),
            route("/", frontend),
          ],
        },
      },
    ],
  };
}
