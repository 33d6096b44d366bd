import { describe, expect, it } from "vitest";

import { frontendService, ingress } from "../fixtures";
import { runStackPolicy, UNKNOWN_STRING, urnOf, type FakeResource } from "../testing";
import { noNodePortWithIngress } from "./noNodePortWithIngress";

const check = (resources: FakeResource[]) => runStackPolicy(noNodePortWithIngress, resources);

// What the Service types open: the ServiceSpec documentation in @pulumi/kubernetes types/input.d.ts ("NodePort"
// allocates a port on every node; "LoadBalancer" builds on NodePort; allocateLoadBalancerNodePorts defaults to true).
describe("no-node-port-with-ingress", () => {
  it("accepts a ClusterIP Service behind an Ingress, and a Service with the default type", async () => {
    const untyped = frontendService((props) => delete props.spec!.type);
    expect(await check([frontendService(), untyped, ingress()])).toEqual([]);
  });

  it("leaves a NodePort alone on a stack without an Ingress (minikube)", async () => {
    expect(await check([frontendService((props) => (props.spec!.type = "NodePort"))])).toEqual([]);
  });

  it("flags a NodePort Service when the stack has an Ingress, against the Service", async () => {
    const nodePort = frontendService((props) => (props.spec!.type = "NodePort"));
    expect(await check([nodePort, ingress()])).toEqual([
      {
        message:
          'Service "frontend" in namespace "todo" is of type NodePort, but the stack has an Ingress (Ingress "frontend"): make it ClusterIP and route through the Ingress, so no port opens on every node',
        urn: urnOf(nodePort),
      },
    ]);
  });

  it("flags a NodePort in another namespace too: the port opens on every node", async () => {
    const elsewhere = frontendService((props) => {
      props.spec!.type = "NodePort";
      props.metadata!.namespace = "tools";
    });
    expect((await check([elsewhere, ingress()]))[0]?.message).toMatch(
      /^Service "frontend" in namespace "tools" is of type NodePort/,
    );
  });

  it("flags a LoadBalancer beside an Ingress in its namespace", async () => {
    const balancer = frontendService((props) => (props.spec!.type = "LoadBalancer"));
    expect(await check([balancer, ingress()])).toEqual([
      {
        message:
          'Service "frontend" in namespace "todo" is of type LoadBalancer beside Ingress "frontend": make it ClusterIP and route through the Ingress, so its pods are not published a second time without its TLS',
        urn: urnOf(balancer),
      },
    ]);
  });

  it("passes a Service type unknown during preview, to check it on up", async () => {
    const previewed = frontendService((props) => (props.spec!.type = UNKNOWN_STRING));
    expect(await check([previewed, ingress()])).toEqual([]);
  });

  it("accepts a LoadBalancer in a namespace without an Ingress, such as an ingress controller's own", async () => {
    const controller = frontendService((props) => {
      props.spec!.type = "LoadBalancer";
      props.metadata = { name: "ingress-nginx-controller", namespace: "ingress-nginx" };
    });
    expect(await check([controller, ingress()])).toEqual([]);
  });
});
