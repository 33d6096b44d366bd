import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { DATABASE } from "../catalog";
import { parseImageReference } from "../images/reference";
import { LabelInput, selectorLabels, standardLabels } from "../k8s/labels";
import { ingressOnlyFromSpec } from "../k8s/networkPolicy";
import {
  POSTGRES_PORT,
  POSTGRES_SERVICE,
  VolumeIdentity,
  claimTemplateName,
  databaseUrl,
  postgresStatefulSetSpec,
} from "../k8s/postgres";
import type { Resources } from "../k8s/resources";
import { namedObjectOptions } from "./options";

export interface PostgresArgs {
  readonly namespace: pulumi.Input<string>;
  /** The stack's instance label value. */
  readonly instance: string;
  readonly provider: k8s.Provider;
  /** Official PostgreSQL image, pinned. */
  readonly image: string;
  readonly resources: Resources;
  /** Where the data lives; see k8s/postgres.ts for why a change of it means a new volume. */
  readonly volume: VolumeIdentity;
  /** Selector labels of the only pods allowed to connect: the services that receive DATABASE_URL. */
  readonly clientSelectors: readonly Record<string, string>[];
}

/**
 * PostgreSQL for a stack with no external database: one StatefulSet replica on a retained claim, a
 * generated password in a Secret, a headless Service, and a NetworkPolicy that admits only its clients.
 * The backend waits for it through its own readiness probe (`/ready` answers 503 until the database does);
 * nothing here orders the rollout.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
  /** `postgresql://todo_app:<password>@todo-postgres:5432/todo` (the app's role), a Pulumi secret. */
  public readonly url: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  /** The claim the data lives on (`<template>-todo-postgres-0`), for backups and deliberate deletion. */
  public readonly claimName: string;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("todo:database:PostgresDatabase", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    // The Service, StatefulSet and NetworkPolicy have explicit names: see components/options.ts.
    const namedOpts = namedObjectOptions(this, args.provider);
    // The image tag is the version label (never in a selector: see k8s/labels.ts).
    const labelInput: LabelInput = {
      component: DATABASE.component,
      instance: args.instance,
      // A digest-only reference has no tag: its repository's last segment stands in, as it always has.
      version:
        parseImageReference(args.image).tag ?? parseImageReference(args.image).repository.split("/").pop(),
    };
    const labels = standardLabels(labelInput);

    // Alphanumeric only: they go into a URL and into psql's variable syntax. The superuser's stays in the
    // database's own Secret; the app only ever gets its role's.
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const appPassword = new random.RandomPassword(
      `${name}-app-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const base64 = (value: pulumi.Output<string>) =>
      value.apply((v) => Buffer.from(v, "utf8").toString("base64"));

    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        // Immutable and auto-named, like the app's Secret: a new password rolls the database pod.
        immutable: true,
        data: pulumi.secret({
          POSTGRES_PASSWORD: base64(password.result),
          APP_PASSWORD: base64(appPassword.result),
        }),
      },
      k8sOpts,
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: POSTGRES_SERVICE, namespace: args.namespace, labels },
        spec: {
          // Headless: the StatefulSet's governing Service, and the backend connects to the one pod directly.
          clusterIP: "None",
          selector: selectorLabels(labelInput),
          ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres", protocol: "TCP" }],
        },
      },
      namedOpts,
    );

    const claimTemplate = claimTemplateName(args.volume);
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: POSTGRES_SERVICE, namespace: args.namespace, labels },
        spec: postgresStatefulSetSpec({
          image: args.image,
          labels: labelInput,
          resources: args.resources,
          storageSize: args.volume.size,
          storageClass: args.volume.storageClass || undefined,
          claimTemplate,
          secretName: secret.metadata.name,
        }),
      },
      { ...namedOpts, dependsOn: [service] },
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-ingress`,
      {
        metadata: { name: `${POSTGRES_SERVICE}-ingress`, namespace: args.namespace, labels },
        spec: ingressOnlyFromSpec(selectorLabels(labelInput), { pods: args.clientSelectors }, POSTGRES_PORT),
      },
      namedOpts,
    );

    this.url = pulumi.secret(appPassword.result.apply((p) => databaseUrl(p)));
    this.serviceName = service.metadata.name;
    this.claimName = `${claimTemplate}-${POSTGRES_SERVICE}-0`;
    this.registerOutputs({ url: this.url, serviceName: this.serviceName, claimName: this.claimName });
  }
}
