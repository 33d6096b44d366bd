import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { AppServiceSpec } from "../catalog";
import type { BuildSettings, ImageSource } from "../config";
import { LabelInput, selectorLabels, standardLabels } from "../k8s/labels";
import {
  type EgressTargets,
  type IngressSources,
  egressSpec,
  ingressOnlyFromSpec,
} from "../k8s/networkPolicy";
import { type Autoscaling, horizontalPodAutoscalerSpec } from "../k8s/autoscaling";
import { deploymentSpec, disruptionBudgetSpec } from "../k8s/podSpec";
import type { Resources } from "../k8s/resources";
import { type Exposure, serviceSpec } from "../k8s/service";
import { namedObjectOptions } from "./options";
import { ServiceImage } from "./serviceImage";

export interface AppServiceArgs {
  /** The service as the catalog describes it: names, port, liveness path, writable paths. */
  readonly service: AppServiceSpec;
  /** The readiness path; the liveness path comes from the catalog. */
  readonly readinessPath: string;
  readonly namespace: pulumi.Input<string>;
  /** The stack's instance label value. */
  readonly instance: string;
  readonly image: ImageSource;
  readonly build: BuildSettings;
  readonly dockerProvider: docker.Provider;
  readonly provider: k8s.Provider;
  /** Pods to run when the service does not autoscale. */
  readonly replicas: number;
  /** Seconds the provider waits for the Deployment's new pods to be ready (`pulumi.com/timeoutSeconds`). */
  readonly rolloutTimeout: number;
  /**
   * A HorizontalPodAutoscaler's bounds. When set, the Deployment leaves `replicas` out (the HPA owns it) and
   * `replicas` is unused. Default: none, a fixed `replicas`.
   */
  readonly autoscaling?: Autoscaling;
  readonly resources: Resources;
  readonly env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[];
  readonly envFrom: pulumi.Input<k8s.types.input.core.v1.EnvFromSource>[];
  /**
   * How the Service is exposed. Default: `ClusterIP` (reachable only in the cluster).
   * With `NodePort`, `nodePort` 0 lets Kubernetes pick one.
   */
  readonly expose?: Exposure;
  /**
   * Who may reach this service's port (a NetworkPolicy). Default: no policy, and under the namespace's
   * default deny nothing reaches it.
   */
  readonly ingressFrom?: IngressSources;
  /** Where its pods may connect (besides DNS), under the namespace's default deny. Default: nowhere. */
  readonly egressTo?: EgressTargets;
  /** Registry pull secret names, for images in a private registry. Default: none. */
  readonly imagePullSecrets?: pulumi.Input<string>[];
}

/**
 * One app service: its image, a Deployment and a Service, a PodDisruptionBudget, and with autoscaling a
 * HorizontalPodAutoscaler. The backend and the
 * frontend are both this component with different ports, probes and exposure; everything that makes the
 * pods restricted, probed and rollable lives in the pure builders of k8s/.
 */
export class AppService extends pulumi.ComponentResource {
  /** The image reference the pods run: content-tagged, or by digest for a registry. */
  public readonly imageRef: pulumi.Output<string>;
  /** The image's content tag (known at preview; the `app.kubernetes.io/version` label). */
  public readonly imageTag: string;
  public readonly serviceName: pulumi.Output<string>;
  /** `http://<service>:<port>`: stable in-cluster DNS within the namespace. */
  public readonly clusterUrl: pulumi.Output<string>;
  /** The NodePort actually allocated (for `NodePort` services), else undefined. */
  public readonly nodePort: pulumi.Output<number | undefined>;
  public readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:app:AppService", name, {}, opts);
    // Every object here has an explicit name: see components/options.ts.
    const k8sOpts = namedObjectOptions(this, args.provider);
    const { serviceName, component, container, port } = args.service;

    const image = new ServiceImage(
      `${name}`,
      {
        repository: serviceName,
        source: args.image,
        build: args.build,
        dockerProvider: args.dockerProvider,
      },
      { parent: this },
    );

    const labelInput: LabelInput = { component, instance: args.instance, version: image.tag };
    const labels = standardLabels(labelInput);
    // The objects around the workload carry no version: with it, every image change also updated the Service,
    // PDB, HPA and NetworkPolicies (metadata only), as the real suite's bench showed; an edit now touches the
    // image and the Deployment alone.
    const stableLabels = standardLabels({ component, instance: args.instance });

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: {
          name: serviceName,
          namespace: args.namespace,
          labels,
          // pulumi-kubernetes reads it as the await timeout of this object (provider/pkg/metadata/overrides.go
          // TimeoutDuration; the Deployment's default is 10 minutes, provider/pkg/await/deployment.go).
          annotations: { "pulumi.com/timeoutSeconds": String(args.rolloutTimeout) },
        },
        spec: deploymentSpec({
          name: container,
          image: image.imageRef,
          port,
          replicas: args.autoscaling ? undefined : args.replicas,
          labels: labelInput,
          probes: { liveness: args.service.livenessPath, readiness: args.readinessPath },
          resources: args.resources,
          env: args.env,
          envFrom: args.envFrom,
          writablePaths: args.service.writablePaths,
          imagePullSecrets: args.imagePullSecrets,
        }),
      },
      k8sOpts,
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        // An explicit name: the Service name is the in-cluster DNS name other services are configured with.
        metadata: { name: serviceName, namespace: args.namespace, labels: stableLabels },
        spec: serviceSpec(deployment.spec.selector.matchLabels, port, args.expose ?? { type: "ClusterIP" }),
      },
      k8sOpts,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: serviceName, namespace: args.namespace, labels: stableLabels },
        spec: disruptionBudgetSpec(labelInput),
      },
      k8sOpts,
    );

    if (args.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: { name: serviceName, namespace: args.namespace, labels: stableLabels },
          spec: horizontalPodAutoscalerSpec(deployment.metadata.name, args.autoscaling),
        },
        k8sOpts,
      );
    }

    if (args.ingressFrom) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-ingress`,
        {
          metadata: { name: `${serviceName}-ingress`, namespace: args.namespace, labels: stableLabels },
          spec: ingressOnlyFromSpec(selectorLabels(labelInput), args.ingressFrom, port),
        },
        k8sOpts,
      );
    }

    if (args.egressTo) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-egress`,
        {
          metadata: { name: `${serviceName}-egress`, namespace: args.namespace, labels: stableLabels },
          spec: egressSpec(selectorLabels(labelInput), args.egressTo),
        },
        k8sOpts,
      );
    }

    this.imageRef = image.imageRef;
    this.imageTag = image.tag;
    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.clusterUrl = pulumi.interpolate`http://${service.metadata.name}:${port}`;
    this.nodePort = service.spec.ports.apply((ports) => ports?.[0]?.nodePort);

    this.registerOutputs({
      imageRef: this.imageRef,
      serviceName: this.serviceName,
      clusterUrl: this.clusterUrl,
      nodePort: this.nodePort,
    });
  }
}
