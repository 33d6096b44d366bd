import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { PART_OF } from "../k8s/labels";
import { dockerConfigJson } from "../k8s/registry";

export interface RegistryCredentialsArgs {
  readonly namespace: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  /** Registry host, e.g. `ghcr.io`. */
  readonly host: string;
  readonly username: string;
  /** A Pulumi secret. */
  readonly password: pulumi.Output<string>;
}

/**
 * The image pull Secret of a remote cluster: the pods pull from the registry the images were pushed to, with
 * the same credentials. Auto-named and immutable like the app's Secret, so new credentials roll the pods.
 */
export class RegistryCredentials extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: RegistryCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:image:RegistryCredentials", name, {}, opts);
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
        },
        type: "kubernetes.io/dockerconfigjson",
        immutable: true,
        data: {
          ".dockerconfigjson": pulumi.secret(
            args.password.apply((password) =>
              Buffer.from(dockerConfigJson(args.host, args.username, password)).toString("base64"),
            ),
          ),
        },
      },
      { parent: this, provider: args.provider },
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
