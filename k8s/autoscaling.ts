/**
 * The pure builder of a HorizontalPodAutoscaler (autoscaling/v2) for one app Deployment: CPU utilization
 * against the container's request, between a floor and a ceiling of replicas.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** A validated autoscaling setting (config/autoscaling.ts). */
export interface Autoscaling {
  /** At least 1: the HPA never scales a service to zero. */
  readonly minReplicas: number;
  /** At least minReplicas. */
  readonly maxReplicas: number;
  /** Average CPU use the HPA aims at, in percent of the CPU request (1-100). */
  readonly targetCPUUtilization: number;
}

/** What a service's `targetCPUUtilization` is when its setting leaves it out (the common chart default). */
export const DEFAULT_TARGET_CPU_UTILIZATION = 80;

/**
 * The HPA scales the named Deployment through its scale subresource. Utilization is measured against the
 * CPU request, which every app container has (config/resources.ts merges the settings over requests that
 * always name cpu), so the metric is always computable once the cluster runs a metrics server.
 */
export function horizontalPodAutoscalerSpec(
  deploymentName: pulumi.Input<string>,
  autoscaling: Autoscaling,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: autoscaling.minReplicas,
    maxReplicas: autoscaling.maxReplicas,
    metrics: [
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: autoscaling.targetCPUUtilization },
        },
      },
    ],
  };
}
