import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { OPTIONAL_SECRET_ENV, type PlainEnv, type SecretEnv } from "../catalog";
import { LabelInput, standardLabels } from "../k8s/labels";

/** The secret values of the app, by environment variable. Every value is a Pulumi secret. */
export type AppSecrets = Readonly<Partial<Record<SecretEnv, pulumi.Input<string>>>>;

/** The plain environment both services read. */
export interface AppSettings {
  readonly backendUrl: pulumi.Input<string>;
  readonly frontendUrl: pulumi.Input<string>;
  readonly logLevel: string;
}

export interface AppEnvironmentArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: LabelInput;
  readonly secrets: AppSecrets;
  readonly settings: AppSettings;
  /** Which secrets each service reads, by component name; a service gets a Secret with only those keys. */
  readonly readers: Readonly<Record<string, readonly SecretEnv[]>>;
  readonly provider: k8s.Provider;
}

/**
 * The ConfigMap both services read their plain settings from, and one Secret per service holding only the
 * secrets that service reads.
 *
 * All are auto-named and `immutable`. pulumi-kubernetes replaces an immutable object on any change of its
 * data (whatever its `enableSecretMutable`/`enableConfigMapMutable` settings: provider/pkg/provider/diff.go,
 * forceNewProperties), and an auto-named replacement is created before the old one is deleted, under a new
 * name (provider.go deletes first only for a named object); test/components/program.test.ts cites both. The Deployments reference that name, so their
 * pod template changes and the pods roll: a changed secret reaches exactly the services that read it, with no
 * `kubectl rollout restart`, and no running pod loses its Secret midway. An explicit `metadata.name` would
 * instead force delete-before-replace.
 */
export class AppEnvironment extends pulumi.ComponentResource {
  public readonly configMapName: pulumi.Output<string>;
  /** The container `env` of each service, reading its secrets through `secretKeyRef`; never a literal value. */
  public readonly secretEnv: Readonly<Record<string, k8s.types.input.core.v1.EnvVar[]>>;
  /** The container `envFrom` for the plain settings. */
  public readonly configEnvFrom: k8s.types.input.core.v1.EnvFromSource[];

  constructor(name: string, args: AppEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:app:AppEnvironment", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const labels = standardLabels(args.labels);

    const secretEnv: Record<string, k8s.types.input.core.v1.EnvVar[]> = {};
    for (const [component, keys] of Object.entries(args.readers)) {
      if (keys.length === 0) {
        secretEnv[component] = [];
        continue;
      }
      // A secret that is not set (the optional Cohere key) is left out of the Secret.
      const values = Object.fromEntries(
        keys.flatMap((key) => (args.secrets[key] === undefined ? [] : [[key, args.secrets[key]]])),
      ) as Record<string, pulumi.Input<string>>;
      const secret = serviceSecret(`${name}-${component}-secrets`, args.namespace, labels, values, childOpts);
      secretEnv[component] = keys.map((key) => ({
        name: key,
        valueFrom: {
          secretKeyRef: {
            name: secret.metadata.name,
            key,
            // Only an optional secret may be absent; a missing database URL or auth secret must stop the pod.
            optional: OPTIONAL_SECRET_ENV.includes(key) ? true : undefined,
          },
        },
      }));
    }

    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { namespace: args.namespace, labels },
        immutable: true,
        data: {
          BACKEND_URL: args.settings.backendUrl,
          FRONTEND_URL: args.settings.frontendUrl,
          LOG_LEVEL: args.settings.logLevel,
        } satisfies Record<PlainEnv, pulumi.Input<string>>,
      },
      childOpts,
    );

    this.configMapName = configMap.metadata.name;
    this.secretEnv = secretEnv;
    this.configEnvFrom = [{ configMapRef: { name: this.configMapName } }];
    this.registerOutputs({ configMapName: this.configMapName });
  }
}

/**
 * `data` (base64) rather than `stringData`: the API server never returns stringData, which has given
 * pulumi-kubernetes a history of perpetual diffs and needless replacements. pulumi.secret keeps the encoded
 * values encrypted in state, whatever the inputs' own secretness.
 */
function serviceSecret(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  values: Record<string, pulumi.Input<string>>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: { namespace, labels },
      type: "Opaque",
      // Immutable: a change is always a replacement under a new name (and so a rollout), even where a user
      // enables the provider's mutable-Secret option; the API server also rejects in-place edits.
      immutable: true,
      data: pulumi.secret(
        pulumi
          .output(values)
          .apply((plain) =>
            Object.fromEntries(
              Object.entries(plain).map(([key, value]) => [
                key,
                Buffer.from(value, "utf8").toString("base64"),
              ]),
            ),
          ),
      ),
    },
    opts,
  );
}
