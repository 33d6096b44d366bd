import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { OPTIONAL_SECRET_ENV, SECRET_ENV } from "../catalog";
import { LabelInput, standardLabels } from "../k8s/labels";

/** The secret environment of the app. Every value is a Pulumi secret. */
export interface AppSecrets {
  readonly databaseUrl: pulumi.Input<string>;
  readonly betterAuthSecret: pulumi.Input<string>;
  /** Optional: without it the key is absent and the app runs with AI features off. */
  readonly cohereApiKey?: pulumi.Input<string>;
}

/** The plain environment of the app. */
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
  readonly provider: k8s.Provider;
}

/**
 * The Secret and the ConfigMap both services read their environment from.
 *
 * Both are auto-named and `immutable`. pulumi-kubernetes replaces an immutable object on any change of its
 * data (whatever its `enableSecretMutable`/`enableConfigMapMutable` settings), and an auto-named replacement
 * is created before the old one is deleted, under a new name. The
 * Deployments reference that name, so their pod template changes and the pods roll: a changed secret or
 * setting reaches the app with no `kubectl rollout restart`, and no running pod loses its Secret midway.
 * An explicit `metadata.name` would instead force delete-before-replace.
 */
export class AppEnvironment extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  public readonly configMapName: pulumi.Output<string>;
  /** The container `env` that reads every secret through `secretKeyRef`; never a literal value. */
  public readonly secretEnv: k8s.types.input.core.v1.EnvVar[];
  /** The container `envFrom` for the plain settings. */
  public readonly configEnvFrom: k8s.types.input.core.v1.EnvFromSource[];

  constructor(name: string, args: AppEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:app:AppEnvironment", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const labels = standardLabels(args.labels);

    const secretValues: Record<string, pulumi.Input<string>> = {
      DATABASE_URL: args.secrets.databaseUrl,
      BETTER_AUTH_SECRET: args.secrets.betterAuthSecret,
    };
    if (args.secrets.cohereApiKey !== undefined) {
      secretValues.COHERE_API_KEY = args.secrets.cohereApiKey;
    }

    // `data` (base64) rather than `stringData`: the API server never returns stringData, which has given
    // pulumi-kubernetes a history of perpetual diffs and needless replacements. pulumi.secret keeps the
    // encoded values encrypted in state, whatever the inputs' own secretness.
    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        // Immutable: a change is always a replacement under a new name (and so a rollout), even where a
        // user enables the provider's mutable-Secret option; the API server also rejects in-place edits.
        immutable: true,
        data: pulumi.secret(
          pulumi
            .output(secretValues)
            .apply((values) =>
              Object.fromEntries(
                Object.entries(values).map(([key, value]) => [
                  key,
                  Buffer.from(value, "utf8").toString("base64"),
                ]),
              ),
            ),
        ),
      },
      childOpts,
    );

    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { namespace: args.namespace, labels },
        immutable: true,
        data: {
          BACKEND_URL: args.settings.backendUrl,
          FRONTEND_URL: args.settings.frontendUrl,
          LOG_LEVEL: args.settings.logLevel,
        },
      },
      childOpts,
    );

    this.secretName = secret.metadata.name;
    this.configMapName = configMap.metadata.name;
    this.secretEnv = SECRET_ENV.map((key) => ({
      name: key,
      valueFrom: {
        secretKeyRef: {
          name: this.secretName,
          key,
          // Only the Cohere key may be absent; a missing database URL or auth secret must stop the pod.
          optional: OPTIONAL_SECRET_ENV.includes(key) ? true : undefined,
        },
      },
    }));
    this.configEnvFrom = [{ configMapRef: { name: this.configMapName } }];

    this.registerOutputs({ secretName: this.secretName, configMapName: this.configMapName });
  }
}
