/**
 * Pure pieces of the in-cluster PostgreSQL: its StatefulSet spec, the identity of its volume and the name of
 * the claim it lives on, and the connection URL. The guard that refuses a change of volume is
 * guards/databaseVolume.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

import { DATABASE } from "../catalog";
import { LabelInput, selectorLabels, standardLabels } from "./labels";
import { APP_UID, containerSecurityContext, podSecurityContext } from "./podSpec";
import type { Resources } from "./resources";

export const POSTGRES_PORT = DATABASE.port;
export const POSTGRES_SERVICE = DATABASE.serviceName;
export const POSTGRES_DB = DATABASE.database;
export const POSTGRES_USER = DATABASE.user;
/** The role the app connects as: owner of the database, not a superuser. */
export const POSTGRES_APP_USER = DATABASE.appUser;
/** A subdirectory of the mount: initdb refuses a mount point that holds `lost+found`. */
export const PGDATA = "/var/lib/postgresql/data/pgdata";

/** What decides which volume the database lives on. A change to any of these means a new, empty volume. */
export interface VolumeIdentity {
  readonly namespace: string;
  readonly storageClass: string;
  readonly size: string;
}

/**
 * The claim template's name carries a hash of the volume identity. Kubernetes reuses a retained claim by
 * name, so an unchanged identity always reattaches the same data (after a pod restart, a StatefulSet
 * replacement or a destroy and up), and a changed one can only ever get a new claim, never half-apply a
 * size or class to the old one.
 */
export function claimTemplateName(identity: VolumeIdentity): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([identity.namespace, identity.storageClass, identity.size]))
    .digest("hex");
  return `data-${hash.slice(0, 8)}`;
}

export interface PostgresSpecInput {
  readonly image: string;
  readonly labels: LabelInput;
  readonly resources: Resources;
  readonly storageSize: string;
  /** Undefined for the cluster's default StorageClass. */
  readonly storageClass?: string;
  readonly claimTemplate: string;
  /** Name of the Secret holding POSTGRES_PASSWORD. */
  readonly secretName: pulumi.Input<string>;
}

/**
 * Checks readiness over TCP on 127.0.0.1, not the socket: during first initialisation the official image
 * runs a temporary server on the socket only, which must not count as ready.
 */
const PG_ISREADY = [
  "pg_isready",
  "-h",
  "127.0.0.1",
  "-p",
  String(POSTGRES_PORT),
  "-U",
  POSTGRES_USER,
  "-d",
  POSTGRES_DB,
];

/**
 * Run by psql on every start of the database (see RECONCILE below). It makes the Secret's passwords
 * authoritative (the official image sets the superuser's only when it initialises an empty data directory, so
 * after a destroy and up, with the claim retained and new passwords generated, the app would be locked out),
 * and keeps the app's own role: the backend connects as `todo_app`, which owns the database (in PostgreSQL 15
 * and later that is what gives it CREATE on the public schema) but is no superuser.
 *
 * The passwords come in through psql's `\getenv`, so they are never on a command line (visible in /proc);
 * `log_statement` and `log_min_error_statement` are set for the session so no statement holding one is ever
 * written to the server log. Every name is a psql variable set with `-v` from constants, quoted by psql.
 */
export const RECONCILE_SQL = [
  "\\set ON_ERROR_STOP on",
  "\\getenv pw POSTGRES_PASSWORD",
  "\\getenv apppw APP_PASSWORD",
  "SET log_statement = 'none';",
  "SET log_min_error_statement = 'panic';",
  "ALTER ROLE :\"role\" PASSWORD :'pw';",
  "SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'approle') AS missing \\gset",
  "\\if :missing",
  'CREATE ROLE :"approle";',
  "\\endif",
  "ALTER ROLE :\"approle\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'apppw';",
  'ALTER DATABASE :"db" OWNER TO :"approle";',
  'GRANT ALL ON SCHEMA public TO :"approle";',
  // Tables an earlier version created as the superuser stay readable and writable for the app.
  'GRANT ALL ON ALL TABLES IN SCHEMA public TO :"approle";',
  'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO :"approle";',
].join("\n");

/** The psql variables RECONCILE_SQL reads, as `-v` arguments. */
export const RECONCILE_PSQL_VARS = [
  "-v",
  `role=${POSTGRES_USER}`,
  "-v",
  `approle=${POSTGRES_APP_USER}`,
  "-v",
  `db=${POSTGRES_DB}`,
];

/**
 * The postStart hook around RECONCILE_SQL.
 *
 * - It waits for the server on TCP 127.0.0.1: during first initialisation the image runs a temporary server
 *   on the socket only (and creates the database on it), which must be left alone.
 * - It then connects over the local socket, which the image trusts, and pipes the script from the
 *   `RECONCILE_SQL` environment variable (a constant of this file, never a config value).
 * - It always exits 0: a failed postStart hook kills the container, which during first initialisation could
 *   leave a half-made data directory. The outcome goes to the container log instead.
 */
const RECONCILE = [
  "sh",
  "-c",
  [
    `for i in $(seq 1 600); do pg_isready -q -h 127.0.0.1 -p ${POSTGRES_PORT} -U "$POSTGRES_USER" -d "$POSTGRES_DB" && break; sleep 1; done`,
    `if printf '%s\\n' "$RECONCILE_SQL" | psql -q -X ${RECONCILE_PSQL_VARS.join(" ")} -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB"; ` +
      `then echo '${POSTGRES_SERVICE}: passwords and the app role set from the Secret' > /proc/1/fd/1; ` +
      `else echo '${POSTGRES_SERVICE}: could not set the passwords from the Secret; clients may fail to log in' > /proc/1/fd/2; fi`,
    "exit 0",
  ].join("; "),
];

export function postgresStatefulSetSpec(input: PostgresSpecInput): k8s.types.input.apps.v1.StatefulSetSpec {
  const selector = selectorLabels(input.labels);
  const probe = (periodSeconds: number, failureThreshold: number, timeoutSeconds = 3) => ({
    exec: { command: PG_ISREADY },
    periodSeconds,
    failureThreshold,
    timeoutSeconds,
  });
  return {
    serviceName: POSTGRES_SERVICE,
    replicas: 1,
    selector: { matchLabels: selector },
    updateStrategy: { type: "RollingUpdate" },
    // Deleting the StatefulSet (a replacement, a destroy) or scaling it down never deletes the data.
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    template: {
      metadata: { labels: standardLabels(input.labels) },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // fsGroup makes the volume writable for the numeric non-root user.
        securityContext: podSecurityContext(APP_UID),
        terminationGracePeriodSeconds: 60,
        containers: [
          {
            name: DATABASE.container,
            image: input.image,
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
            env: [
              { name: "POSTGRES_DB", value: POSTGRES_DB },
              { name: "POSTGRES_USER", value: POSTGRES_USER },
              {
                name: "POSTGRES_PASSWORD",
                valueFrom: { secretKeyRef: { name: input.secretName, key: "POSTGRES_PASSWORD" } },
              },
              {
                name: "APP_PASSWORD",
                valueFrom: { secretKeyRef: { name: input.secretName, key: "APP_PASSWORD" } },
              },
              { name: "RECONCILE_SQL", value: RECONCILE_SQL },
              { name: "PGDATA", value: PGDATA },
            ],
            resources: { requests: { ...input.resources.requests }, limits: { ...input.resources.limits } },
            securityContext: containerSecurityContext(APP_UID),
            // Start-up includes initdb on first run: up to five minutes.
            startupProbe: probe(5, 60),
            readinessProbe: probe(5, 2),
            livenessProbe: probe(15, 4, 5),
            lifecycle: { postStart: { exec: { command: RECONCILE } } },
            volumeMounts: [
              { name: input.claimTemplate, mountPath: "/var/lib/postgresql/data" },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "run", emptyDir: { sizeLimit: "16Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        // No version label here: pulumi-kubernetes replaces a StatefulSet on any change of
        // .spec.volumeClaimTemplates (provider/pkg/provider/diff.go, the statefulSet forceNew list), so an image
        // upgrade must leave the template as it is; it then rolls the pod and keeps the claim.
        metadata: {
          name: input.claimTemplate,
          labels: standardLabels({ ...input.labels, version: undefined }),
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: input.storageClass,
          resources: { requests: { storage: input.storageSize } },
        },
      },
    ],
  };
}

/** `postgresql://todo_app:password@host:port/db`: the app's role, with the password URL-encoded. */
export function databaseUrl(password: string, host: string = POSTGRES_SERVICE): string {
  return `postgresql://${POSTGRES_APP_USER}:${encodeURIComponent(password)}@${host}:${POSTGRES_PORT}/${POSTGRES_DB}`;
}
