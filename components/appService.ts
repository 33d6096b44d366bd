import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { BuildSettings, ImageSource } from "../config";
import { LabelInput, selectorLabels, standardLabels } from "../lib/labels";
import {
  ProbePaths,
  WritablePath,
  deploymentSpec,
  disruptionBudgetSpec,
  ingressOnlyFromSpec,
} from "../lib/podSpec";
import { Resources } from "../lib/resources";
import { ServiceImage } from "./serviceImage";

export interface AppServiceArgs {
  /** Kubernetes name of the Deployment and the Service, e.g. `todo-backend` (its in-cluster DNS name). */
  readonly serviceName: string;
  /** `backend` or `frontend`: the container name and the `component` label. */
  readonly component: string;
  readonly namespace: pulumi.Input<string>;
  /** The stack's instance label value. */
  readonly instance: string;
  readonly image: ImageSource;
  readonly build: BuildSettings;
  readonly dockerProvider: docker.Provider;
  readonly provider: k8s.Provider;
  /** The port the app listens on inside the container, and the Service's port. */
  readonly port: number;
  readonly probes: ProbePaths;
  readonly replicas: number;
  readonly resources: Resources;
  readonly env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[];
  readonly envFrom: pulumi.Input<k8s.types.input.core.v1.EnvFromSource>[];
  /** Paths the app writes to under its read-only root filesystem. Default: none. */
  readonly writablePaths?: readonly WritablePath[];
  /**
   * How the Service is exposed. Default: `ClusterIP` (reachable only in the cluster).
   * With `NodePort`, `nodePort` 0 lets Kubernetes pick one.
   */
  readonly expose?: { readonly type: "ClusterIP" } | { readonly type: "NodePort"; readonly nodePort: number };
  /**
   * Selector labels of the only pods allowed to reach this service's port (enforced by a NetworkPolicy).
   * Default: no policy, reachable from anywhere the cluster routes (the frontend, through its NodePort).
   */
  readonly ingressFrom?: Record<string, string>;
  /** Registry pull secret names, for images in a private registry. Default: none. */
  readonly imagePullSecrets?: pulumi.Input<string>[];
}

/**
 * One app service: its image, a Deployment and a Service, and a PodDisruptionBudget. The backend and the
 * frontend are both this component with different ports, probes and exposure; everything that makes the
 * pods restricted, probed and rollable lives in the pure builders of lib/podSpec.ts.
 */
export class AppService extends pulumi.ComponentResource {
  /** The image reference the pods run (content-tagged). */
  public readonly imageRef: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  /** `http://<service>:<port>`: stable in-cluster DNS within the namespace. */
  public readonly clusterUrl: pulumi.Output<string>;
  /** The NodePort actually allocated (for `NodePort` services), else undefined. */
  public readonly nodePort: pulumi.Output<number | undefined>;
  public readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:app:AppService", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const image = new ServiceImage(
      `${name}`,
      {
        repository: args.serviceName,
        source: args.image,
        build: args.build,
        dockerProvider: args.dockerProvider,
      },
      { parent: this },
    );

    const labelInput: LabelInput = { component: args.component, instance: args.instance, version: image.tag };
    const labels = standardLabels(labelInput);

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: args.serviceName, namespace: args.namespace, labels },
        spec: deploymentSpec({
          name: args.component,
          image: image.imageRef,
          port: args.port,
          replicas: args.replicas,
          labels: labelInput,
          probes: args.probes,
          resources: args.resources,
          env: args.env,
          envFrom: args.envFrom,
          writablePaths: args.writablePaths,
          imagePullSecrets: args.imagePullSecrets,
        }),
      },
      k8sOpts,
    );

    const expose = args.expose ?? { type: "ClusterIP" };
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        // An explicit name: the Service name is the in-cluster DNS name other services are configured with.
        metadata: { name: args.serviceName, namespace: args.namespace, labels },
        spec: {
          type: expose.type,
          selector: deployment.spec.selector.matchLabels,
          ports: [
            {
              name: "http",
              port: args.port,
              targetPort: "http",
              protocol: "TCP",
              nodePort: expose.type === "NodePort" && expose.nodePort !== 0 ? expose.nodePort : undefined,
            },
          ],
        },
      },
      k8sOpts,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: args.serviceName, namespace: args.namespace, labels },
        spec: disruptionBudgetSpec(labelInput),
      },
      k8sOpts,
    );

    if (args.ingressFrom) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-ingress`,
        {
          metadata: { name: `${args.serviceName}-ingress`, namespace: args.namespace, labels },
          spec: ingressOnlyFromSpec(selectorLabels(labelInput), args.ingressFrom, args.port),
        },
        k8sOpts,
      );
    }

    this.imageRef = image.imageRef;
    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.clusterUrl = pulumi.interpolate`http://${service.metadata.name}:${args.port}`;
    this.nodePort = service.spec.ports.apply((ports) => ports?.[0]?.nodePort);

    this.registerOutputs({
      imageRef: this.imageRef,
      serviceName: this.serviceName,
      clusterUrl: this.clusterUrl,
      nodePort: this.nodePort,
    });
  }
}
