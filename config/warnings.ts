/**
 * What is allowed but worth a word at every preview: settings that work and are probably not what a
 * production stack wants. Each warning names the key and never a secret's value.
 */
import { qualified } from "../catalog";
import type { BuildTarget } from "../host/buildTarget";
import type { IngressSettings } from "../k8s/ingress";
import type { ConfigReader } from "./reader";
import type { DatabaseSettings } from "./types";

/**
 * An external database URL without `sslmode`: libpq's default (`prefer`) falls back to an unencrypted
 * connection when the server offers no TLS, and verifies no certificate when it does.
 */
export function databaseUrlWarnings(config: ConfigReader): string[] {
  const value = config.secret("databaseUrl")?.trim();
  if (value === undefined) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return []; // refused by the secrets reader, with its own message
  }
  if (url.searchParams.has("sslmode")) return [];
  return [
    `${qualified("databaseUrl")} sets no sslmode, so libpq's default (prefer) may connect without TLS and ` +
      "checks no certificate: add ?sslmode=require (or verify-full, with the server's CA) to the URL " +
      "(`npm run pulumi -- config set --secret databaseUrl`).",
  ];
}

/** What a cloud stack (images pushed to a registry: a cluster that is not on this machine) should hear. */
export interface CloudFacts {
  readonly target: BuildTarget;
  readonly database: DatabaseSettings;
  readonly ingress?: IngressSettings;
  /** The app's public URL as the program will publish it. */
  readonly frontendUrl: string;
}

/**
 * Two settings that work on a cloud cluster and are probably not meant there: the in-cluster database on the
 * cluster's default StorageClass, and an Ingress without TLS. The StorageClass itself cannot be read at
 * preview (the program reads no cluster state before the engine runs), so a class the stack names is taken as
 * the user's choice.
 */
export function cloudWarnings(facts: CloudFacts): string[] {
  const warnings: string[] = [];
  if (
    facts.target === "registry" &&
    facts.database.mode === "in-cluster" &&
    facts.database.storageClass === ""
  ) {
    warnings.push(
      `The database runs in the cluster on its default StorageClass (${qualified("postgresStorageClass")} is ` +
        "not set). A managed cluster's default class usually has reclaimPolicy Delete: the disk, and every todo " +
        "on it, is deleted with its claim. Set postgresStorageClass to a class with reclaimPolicy Retain " +
        "(`kubectl get storageclass` shows it) before the first deploy, with " +
        "`npm run pulumi -- config set postgresStorageClass <class>`, or use a managed database " +
        "(`npm run pulumi -- config set --secret databaseUrl`).",
    );
  }
  if (facts.ingress && !facts.frontendUrl.startsWith("https://")) {
    warnings.push(
      `The Ingress for ${facts.ingress.host} serves plain HTTP (${qualified("tlsIssuer")} is not set): ` +
        "passwords and session cookies cross the internet unencrypted. Set tlsIssuer to a cert-manager " +
        "ClusterIssuer (`npm run pulumi -- config set tlsIssuer letsencrypt-prod`), or frontendUrl to the " +
        "https:// address when TLS ends in front of the cluster.",
    );
  }
  return warnings;
}
