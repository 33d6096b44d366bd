import { describe, expect, it } from "vitest";

import { HOST, ingress, type IngressProps } from "../fixtures";
import { violationsOf } from "../testing";
import { ingressTlsForIssuer } from "./ingressTlsForIssuer";

const withIngress = (change: (props: IngressProps) => void) =>
  violationsOf(ingressTlsForIssuer, ingress(change));
const ISSUER = 'the cert-manager.io/cluster-issuer annotation ("letsencrypt")';

// What cert-manager does with the annotation: cert-manager/cert-manager pkg/controller/certificate-shim/sync.go
// (hasShimAnnotation: cert-manager.io/issuer or cert-manager.io/cluster-issuer present; validateIngressTLSBlock: an
// entry without hosts or secretName is skipped; buildCertificates: one Certificate per entry, for its hosts).
describe("ingress-tls-for-issuer", () => {
  it("accepts an issuer annotation with a TLS entry for the host", async () => {
    expect(await violationsOf(ingressTlsForIssuer, ingress())).toEqual([]);
  });

  it("has nothing to say about an Ingress without an issuer annotation", async () => {
    expect(
      await withIngress((props) => {
        delete props.metadata!.annotations;
        delete props.spec!.tls;
      }),
    ).toEqual([]);
  });

  it("flags an issuer annotation without spec.tls, namespaced issuers too", async () => {
    expect(await withIngress((props) => delete props.spec!.tls)).toEqual([
      `spec.tls is empty, so ${ISSUER} issues no certificate: add an entry with hosts and a secretName`,
    ]);
    const namespaced = await withIngress((props) => {
      props.metadata!.annotations = { "cert-manager.io/issuer": "staging" };
      props.spec!.tls = [];
    });
    expect(namespaced).toEqual([
      'spec.tls is empty, so the cert-manager.io/issuer annotation ("staging") issues no certificate: add an entry with hosts and a secretName',
    ]);
  });

  it("flags a TLS entry without a secretName, and the host it leaves uncovered", async () => {
    expect(await withIngress((props) => delete props.spec!.tls![0].secretName)).toEqual([
      "spec.tls[0].secretName is missing: cert-manager skips a TLS entry without one",
      `spec.rules[0].host "${HOST}" is in no spec.tls entry with a secretName, so ${ISSUER} issues no certificate for it`,
    ]);
  });

  it("flags a TLS entry without hosts", async () => {
    expect(await withIngress((props) => (props.spec!.tls![0].hosts = []))).toEqual([
      "spec.tls[0].hosts is empty: cert-manager skips a TLS entry without hosts",
      `spec.rules[0].host "${HOST}" is in no spec.tls entry with a secretName, so ${ISSUER} issues no certificate for it`,
    ]);
  });

  it("flags a rule host that no TLS entry lists", async () => {
    expect(await withIngress((props) => props.spec!.rules!.push({ host: "api.example.com" }))).toEqual([
      `spec.rules[1].host "api.example.com" is in no spec.tls entry with a secretName, so ${ISSUER} issues no certificate for it`,
    ]);
  });

  it("accepts a wildcard TLS host for one more label, not two", async () => {
    const wildcard = (host: string) =>
      withIngress((props) => {
        props.spec!.tls = [{ hosts: ["*.example.com"], secretName: "wildcard-tls" }];
        props.spec!.rules![0].host = host;
      });
    expect(await wildcard("todo.example.com")).toEqual([]);
    expect(await wildcard("a.todo.example.com")).toHaveLength(1);
    expect(await wildcard("example.com")).toHaveLength(1);
  });
});
