import type { ResourceValidationPolicy } from "@pulumi/policy";

import { getPath, records, stringLabels, toPlain } from "../props";
import { INGRESS_TYPE } from "./noNodePortWithIngress";

/**
 * The annotations that make cert-manager's ingress-shim issue certificates for an Ingress (cert-manager/cert-manager
 * pkg/apis/certmanager/v1/types.go; pkg/controller/certificate-shim/sync.go, hasShimAnnotation, which only checks
 * that the key is present).
 */
export const ISSUER_ANNOTATIONS: readonly string[] = [
  "cert-manager.io/cluster-issuer",
  "cert-manager.io/issuer",
];

interface TlsEntry {
  hosts?: unknown;
  secretName?: unknown;
}

/** A TLS host covers a rule's host exactly, or as a wildcard for one more label ("*.example.com"). */
function covers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) {
    return true;
  }
  const suffix = tlsHost.slice(1);
  const label = host.slice(0, host.length - suffix.length);
  return tlsHost.startsWith("*.") && host.endsWith(suffix) && label !== "" && !label.includes(".");
}

/**
 * cert-manager creates one Certificate per `spec.tls` entry, for that entry's hosts, stored in its secretName, and
 * skips an entry without hosts or without a secretName (certificate-shim/sync.go, validateIngressTLSBlock). A rule
 * host that no entry lists gets no certificate: the controller serves it with its default one, or over HTTP only.
 */
export const ingressTlsForIssuer: ResourceValidationPolicy = {
  name: "ingress-tls-for-issuer",
  description:
    "An Ingress with a cert-manager issuer annotation has spec.tls entries, each with hosts and a secretName, " +
    "that cover every host of its rules: cert-manager issues certificates only for those.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== INGRESS_TYPE) {
      return args.notApplicable("applies to networking.k8s.io/v1 Ingresses");
    }
    const props = toPlain(args.props);
    const annotations = stringLabels(getPath(props, ["metadata", "annotations"]));
    const annotation = ISSUER_ANNOTATIONS.find((key) => annotations[key] !== undefined);
    if (annotation === undefined) {
      return;
    }
    const asked = `the ${annotation} annotation ("${annotations[annotation]}")`;
    const entries = records(getPath(props, ["spec", "tls"]) as TlsEntry[] | undefined);
    if (entries.length === 0) {
      reportViolation(
        `spec.tls is empty, so ${asked} issues no certificate: add an entry with hosts and a secretName`,
      );
      return;
    }
    const served: string[] = [];
    entries.forEach((entry, index) => {
      const hosts = Array.isArray(entry.hosts)
        ? entry.hosts.filter((h): h is string => typeof h === "string")
        : [];
      const usable = typeof entry.secretName === "string" && entry.secretName !== "";
      if (!usable) {
        reportViolation(
          `spec.tls[${index}].secretName is missing: cert-manager skips a TLS entry without one`,
        );
      }
      if (hosts.length === 0) {
        reportViolation(`spec.tls[${index}].hosts is empty: cert-manager skips a TLS entry without hosts`);
      }
      if (usable) {
        served.push(...hosts);
      }
    });
    records(getPath(props, ["spec", "rules"]) as { host?: unknown }[] | undefined).forEach((rule, index) => {
      const host = rule.host;
      if (typeof host === "string" && host !== "" && !served.some((tlsHost) => covers(tlsHost, host))) {
        reportViolation(
          `spec.rules[${index}].host "${host}" is in no spec.tls entry with a secretName, so ${asked} issues ` +
            "no certificate for it",
        );
      }
    });
  },
};
