import type { StackValidationPolicy } from "@pulumi/policy";

import { getPath, toPlain } from "../props";
import { describeNamespace, namespaceOf } from "../workload";

export const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";
export const SERVICE_TYPE = "kubernetes:core/v1:Service";

interface NamedResource {
  /** Plain props: values unknown during preview are absent. */
  props: unknown;
  /** How messages name it, e.g. `Service "todo-frontend"`. */
  displayName: string;
  namespace: string;
}

function named(kind: string, resource: { name: string; props: unknown }): NamedResource {
  const props = toPlain(resource.props);
  const name = getPath(props, ["metadata", "name"]);
  return {
    props,
    displayName: `${kind} "${typeof name === "string" ? name : resource.name}"`,
    namespace: namespaceOf(getPath(props, ["metadata"])),
  };
}

/**
 * Once a stack routes traffic through an Ingress, its Services stay ClusterIP. A NodePort opens a port on every node
 * of the cluster, whatever its namespace, and that port bypasses the Ingress's TLS and host routing. A LoadBalancer
 * "builds on NodePort" (the Service type's own documentation; allocateLoadBalancerNodePorts defaults to true) and
 * publishes the pods a second time: beside an Ingress in the same namespace, it is the same mistake. A LoadBalancer
 * in another namespace is left alone, since that is how an ingress controller installed by the same stack receives
 * its traffic.
 */
export const noNodePortWithIngress: StackValidationPolicy = {
  name: "no-node-port-with-ingress",
  description:
    "When the stack has a networking.k8s.io/v1 Ingress, no Service is of type NodePort, and no Service in an " +
    "Ingress's namespace is of type LoadBalancer: traffic enters through the Ingress, with its TLS, and no port " +
    "is opened on every node of the cluster.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const ingresses = args.resources.filter((r) => r.type === INGRESS_TYPE).map((r) => named("Ingress", r));
    if (ingresses.length === 0) {
      return;
    }
    for (const resource of args.resources.filter((r) => r.type === SERVICE_TYPE)) {
      const service = named("Service", resource);
      // An unset type is ClusterIP; a type unknown during preview is checked again on `pulumi up`.
      const type = getPath(service.props, ["spec", "type"]);
      const where = `${service.displayName} in ${describeNamespace(service.namespace)}`;
      if (type === "NodePort") {
        reportViolation(
          `${where} is of type NodePort, but the stack has an Ingress (${ingresses.map((i) => i.displayName).join(", ")}): ` +
            "make it ClusterIP and route through the Ingress, so no port opens on every node",
          resource.urn,
        );
      } else if (type === "LoadBalancer") {
        const beside = ingresses.filter((i) => i.namespace === service.namespace);
        if (beside.length > 0) {
          reportViolation(
            `${where} is of type LoadBalancer beside ${beside.map((i) => i.displayName).join(", ")}: make it ` +
              "ClusterIP and route through the Ingress, so its pods are not published a second time without its TLS",
            resource.urn,
          );
        }
      }
    }
  },
};
