// Tests of the pack as a whole: the rule list, and what every resource rule shares through workloadPolicy.
import type { Policy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { deployment, DEPLOYMENT, service, WORKLOADS } from "../fixtures";
import { runResourcePolicy, UNKNOWN_STRING, violationsOf, type FakeResource } from "../testing";
import {
  hpaReplicaBounds,
  ingressTlsForIssuer,
  noServiceAccountToken,
  podSecurityRestricted,
  policies,
  readOnlyRootFilesystem,
  rollingUpdateZeroUnavailable,
} from "./index";

const resourcePolicies = policies.filter((p) => "validateResource" in p);
/** The resource rules about another kind than workloads; every other resource rule is about pods. */
const otherKindPolicies: readonly Policy[] = [ingressTlsForIssuer, hpaReplicaBounds];
const podPolicies = resourcePolicies.filter((p) => !otherKindPolicies.includes(p));

describe("the policy pack", () => {
  it("lists every rule once, mandatory ones first, with the agreed enforcement levels", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["pod-security-restricted", "mandatory"],
      ["uid-above-10000", "mandatory"],
      ["read-only-root-filesystem", "mandatory"],
      ["resources-required", "mandatory"],
      ["probes-required", "mandatory"],
      ["no-latest-image", "mandatory"],
      ["no-literal-secret-env", "mandatory"],
      ["no-service-account-token", "mandatory"],
      ["rolling-update-zero-unavailable", "mandatory"],
      ["recommended-labels", "mandatory"],
      ["app-images-by-digest", "mandatory"],
      ["no-node-port-with-ingress", "mandatory"],
      ["ingress-tls-for-issuer", "mandatory"],
      ["hpa-owns-replicas", "mandatory"],
      ["hpa-replica-bounds", "mandatory"],
      ["pod-disruption-budget", "advisory"],
      ["network-policy-present", "advisory"],
      ["image-pull-policy-if-not-present", "advisory"],
    ]);
  });

  it("gives every rule a kebab-case name and a description of what it enforces and why", () => {
    for (const policy of policies) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.description.length).toBeGreaterThan(60);
    }
  });
});

describe("every resource rule", () => {
  it("accepts the program's backend Deployment", async () => {
    for (const policy of podPolicies) {
      expect(await violationsOf(policy, deployment()), policy.name).toEqual([]);
    }
  });

  it("still checks a Deployment whose image is unknown during preview, without a false violation", async () => {
    const previewed = deployment(({ container }) => {
      container.image = UNKNOWN_STRING;
    });
    for (const policy of podPolicies) {
      expect(await violationsOf(policy, previewed), policy.name).toEqual([]);
    }
    const insecure = deployment(({ container }) => {
      container.image = UNKNOWN_STRING;
      container.securityContext!.readOnlyRootFilesystem = false;
    });
    expect(await violationsOf(readOnlyRootFilesystem, insecure)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
  });

  it("treats a required security field that is unknown during preview as missing", async () => {
    const resource = deployment(({ pod }) => {
      (pod as Record<string, unknown>).automountServiceAccountToken = UNKNOWN_STRING;
    });
    expect(await violationsOf(noServiceAccountToken, resource)).toEqual([
      "spec.template.spec.automountServiceAccountToken must be false",
    ]);
  });

  it("leaves workloads to the pod rules: a rule about another kind does not apply to a Deployment", async () => {
    for (const policy of otherKindPolicies) {
      expect((await runResourcePolicy(policy, deployment())).notApplicable, policy.name).toBeDefined();
    }
  });

  it("does not apply pod rules to resources that run no pods", async () => {
    for (const policy of resourcePolicies) {
      const outcome = await runResourcePolicy(policy, service());
      expect(outcome.violations, policy.name).toEqual([]);
      expect(outcome.notApplicable, policy.name).toBeDefined();
    }
  });

  it("reports a workload whose pod spec is missing instead of crashing", async () => {
    const resource: FakeResource = { type: DEPLOYMENT, props: { metadata: { name: "backend" }, spec: {} } };
    expect(await violationsOf(readOnlyRootFilesystem, resource)).toEqual([
      "spec.template.spec is missing (or unknown during preview), so it cannot be checked",
    ]);
    expect(await violationsOf(rollingUpdateZeroUnavailable, { type: DEPLOYMENT, props: {} })).toHaveLength(1);
  });

  const otherKinds = Object.entries(WORKLOADS).filter(([kind]) => kind !== "Deployment");

  it.each(otherKinds)("checks a %s like a Deployment", async (_kind, build) => {
    const writable = build(({ container }) => (container.securityContext!.readOnlyRootFilesystem = false));
    expect(await violationsOf(readOnlyRootFilesystem, writable)).toEqual([
      'container "backend": securityContext.readOnlyRootFilesystem must be true',
    ]);
    expect(await violationsOf(podSecurityRestricted, build())).toEqual([]);
  });
});
