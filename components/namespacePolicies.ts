import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { LabelInput, standardLabels } from "../k8s/labels";
import { defaultDenySpec, dnsEgressSpec } from "../k8s/networkPolicy";
import { namedObjectOptions } from "./options";

export interface NamespacePoliciesArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: LabelInput;
  readonly provider: k8s.Provider;
}

/**
 * The namespace's baseline: every pod isolated in both directions, then DNS for all. Each service and the
 * database add the paths they need (their own ingress and egress policies), so what is not named is denied.
 */
export class NamespacePolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NamespacePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:network:NamespacePolicies", name, {}, opts);
    const childOpts = namedObjectOptions(this, args.provider);
    const labels = standardLabels(args.labels);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      { metadata: { name: "default-deny", namespace: args.namespace, labels }, spec: defaultDenySpec() },
      childOpts,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-dns`,
      { metadata: { name: "allow-dns", namespace: args.namespace, labels }, spec: dnsEgressSpec() },
      childOpts,
    );
    this.registerOutputs({});
  }
}
