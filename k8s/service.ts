/**
 * The pure builder of an app service's Service spec: one named `http` port, exposed in the cluster only or on
 * a node port.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** How a Service is reached. With `NodePort`, `nodePort` 0 lets Kubernetes pick one. */
export type Exposure =
  { readonly type: "ClusterIP" } | { readonly type: "NodePort"; readonly nodePort: number };

export function serviceSpec(
  selector: pulumi.Input<Record<string, pulumi.Input<string>>>,
  port: number,
  expose: Exposure,
): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: expose.type,
    selector,
    ports: [
      {
        name: "http",
        port,
        targetPort: "http",
        protocol: "TCP",
        nodePort: expose.type === "NodePort" && expose.nodePort !== 0 ? expose.nodePort : undefined,
      },
    ],
  };
}
