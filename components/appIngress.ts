import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import {
  type IngressBackend,
  type IngressSettings,
  ingressAnnotations,
  ingressSpec,
  ingressUrl,
} from "../k8s/ingress";
import { LabelInput, standardLabels } from "../k8s/labels";
import { acmeSolverIngressSpec } from "../k8s/networkPolicy";
import { namedObjectOptions } from "./options";

export interface AppIngressArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: LabelInput;
  readonly provider: k8s.Provider;
  /** Host, class, TLS issuer, backend path: validated by config/ingress.ts. */
  readonly ingress: IngressSettings;
  /** The frontend's Service, served at `/`. */
  readonly frontend: IngressBackend;
  /** The backend's Service, served at `ingress.backendPath` when the backend is exposed. Default: not served. */
  readonly backend?: IngressBackend;
}

/**
 * The app's one Ingress: its host to the frontend, an exposed backend at its path prefix, and with a
 * cert-manager ClusterIssuer the host's certificate, with the NetworkPolicy that lets the ingress controller reach
 * an HTTP-01 challenge's solver pod under the namespace's default deny (k8s/networkPolicy.ts). pulumi-kubernetes waits (up to ten minutes) until the
 * controller publishes an address for it (provider/pkg/await/ingress.go), so an update with no controller of
 * this class fails instead of reporting an Ingress nothing serves.
 */
export class AppIngress extends pulumi.ComponentResource {
  /** The public URL: `https://<host>` with TLS, else `http://<host>`. */
  public readonly url: string;
  /** The address the controller published (a load balancer's IP or host name): where the DNS name must point. */
  public readonly address: pulumi.Output<string | undefined>;

  constructor(name: string, args: AppIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:network:AppIngress", name, {}, opts);
    const ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: "todo",
          namespace: args.namespace,
          labels: standardLabels(args.labels),
          annotations: ingressAnnotations(args.ingress),
        },
        spec: ingressSpec(args.ingress, args.frontend, args.backend),
      },
      namedObjectOptions(this, args.provider),
    );
    if (args.ingress.tlsIssuer) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-acme-solver`,
        {
          metadata: {
            name: "acme-http01-solver-ingress",
            namespace: args.namespace,
            labels: standardLabels(args.labels),
          },
          spec: acmeSolverIngressSpec(args.ingress.controllerNamespace),
        },
        namedObjectOptions(this, args.provider),
      );
    }
    this.url = ingressUrl(args.ingress);
    this.address = ingress.status.apply((status) => {
      const first = status?.loadBalancer?.ingress?.[0];
      return first?.hostname || first?.ip || undefined;
    });
    this.registerOutputs({ url: this.url, address: this.address });
  }
}
