/**
 * The namespace's network, as data: every NetworkPolicy the program registers, evaluated with the API's rules
 * (test/support/netpol.ts), so each test says who may reach whom rather than which objects exist.
 */
import { describe, expect, it } from "vitest";

import { type ProgramRun, runProgram, unwrapDeep } from "../support/program";
import { type Endpoint, type PolicyObject, mayConnect } from "../support/netpol";
import { DATABASE_URL, DEFAULT_STACK, OWN_APP_STACK } from "../support/stacks";

const NS = "todo-dev";
const METADATA: Endpoint = { kind: "ip", ip: "169.254.169.254" };
const INTERNET: Endpoint = { kind: "ip", ip: "203.0.113.7" };
const OUTSIDE: Endpoint = { kind: "ip", ip: "192.168.49.1" };
const DNS: Endpoint = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };

function network(run: ProgramRun) {
  const policies: PolicyObject[] = run.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
    const inputs = unwrapDeep(r.inputs) as any;
    return { namespace: inputs.metadata.namespace, spec: inputs.spec };
  });
  const pod = (type: string, name: string): Endpoint => ({
    kind: "pod",
    namespace: NS,
    labels: run.one(type, name).inputs.spec.template.metadata.labels,
  });
  const backend = pod("kubernetes:apps/v1:Deployment", "backend-deployment");
  const frontend = pod("kubernetes:apps/v1:Deployment", "frontend-deployment");
  const database = run.byType("kubernetes:apps/v1:StatefulSet").length
    ? pod("kubernetes:apps/v1:StatefulSet", "database-statefulset")
    : undefined;
  const may = (from: Endpoint, to: Endpoint, port: number, protocol = "TCP") =>
    mayConnect(policies, from, to, port, protocol);
  return { policies, backend, frontend, database, may };
}

describe("a default stack (in-cluster PostgreSQL, no Cohere key)", async () => {
  const net = network(await runProgram({ config: { ...DEFAULT_STACK } }));
  const { backend, frontend, database, may } = net;

  it("denies everything by default, in both directions, for every pod", () => {
    const deny = net.policies.find(
      (p) =>
        Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && !p.spec.egress && !p.spec.ingress,
    );
    expect(deny?.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(may(backend, frontend, 3000)).toBe(false);
    expect(may(database!, backend, 7860)).toBe(false);
  });

  it("lets every pod resolve names through the cluster's DNS, over UDP and TCP 53", () => {
    for (const p of [backend, frontend, database!]) {
      expect(may(p, DNS, 53, "UDP")).toBe(true);
      expect(may(p, DNS, 53, "TCP")).toBe(true);
      expect(may(p, DNS, 80)).toBe(false);
    }
  });

  it("lets the frontend reach the backend's port, and nothing else reach the backend", () => {
    expect(may(frontend, backend, 7860)).toBe(true);
    expect(may(frontend, backend, 22)).toBe(false);
    expect(may(database!, backend, 7860)).toBe(false);
    expect(may(OUTSIDE, backend, 7860)).toBe(false);
  });

  it("lets the backend, which holds DATABASE_URL, reach PostgreSQL, and not the frontend, which does not", () => {
    expect(may(backend, database!, 5432)).toBe(true);
    expect(may(frontend, database!, 5432)).toBe(false);
    expect(may(OUTSIDE, database!, 5432)).toBe(false);
  });

  it("lets the browser reach the frontend from outside the cluster", () => {
    expect(may(OUTSIDE, frontend, 3000)).toBe(true);
  });

  it("gives no pod the internet without a reason, nor ever the cloud metadata address", () => {
    for (const p of [backend, frontend, database!]) {
      expect(may(p, INTERNET, 443)).toBe(false);
      expect(may(p, METADATA, 80)).toBe(false);
    }
  });
});

describe("a stack with a Cohere key and an external database", async () => {
  const { backend, frontend, may } = network(
    await runProgram({
      config: { databaseUrl: DATABASE_URL.replace(":5432/", ":6543/"), cohereApiKey: "co-key" },
    }),
  );

  it("lets the backend call the internet on 443 and the external database on its own port only", () => {
    expect(may(backend, INTERNET, 443)).toBe(true);
    expect(may(backend, INTERNET, 6543)).toBe(true);
    expect(may(backend, INTERNET, 5432)).toBe(false);
    expect(may(backend, INTERNET, 80)).toBe(false);
  });

  it("still never lets a pod reach the metadata address, on any of those ports", () => {
    for (const port of [80, 443, 6543]) {
      expect(may(backend, METADATA, port)).toBe(false);
      expect(may(frontend, METADATA, port)).toBe(false);
    }
  });

  it("gives the frontend, which reads neither secret, no way out", () => {
    expect(may(frontend, INTERNET, 443)).toBe(false);
    expect(may(frontend, INTERNET, 6543)).toBe(false);
  });
});

describe("the team's own app (frontend given DATABASE_URL, exposed backend)", async () => {
  const { backend, frontend, database, may } = network(await runProgram({ config: { ...OWN_APP_STACK } }));

  it("lets both services that hold DATABASE_URL reach PostgreSQL", () => {
    expect(may(frontend, database!, 5432)).toBe(true);
    expect(may(backend, database!, 5432)).toBe(true);
  });

  it("lets the browser reach the exposed backend from outside", () => {
    expect(may(OUTSIDE, backend, 7860)).toBe(true);
  });
});

describe("the evaluator itself", () => {
  it("is a real check: without the default deny, a pod no policy selects is open", () => {
    const pod: Endpoint = { kind: "pod", namespace: NS, labels: { app: "x" } };
    expect(mayConnect([], pod, METADATA, 80)).toBe(true);
    expect(
      mayConnect(
        [
          {
            namespace: NS,
            spec: {
              podSelector: {},
              policyTypes: ["Egress"],
              egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }],
            },
          },
        ],
        pod,
        METADATA,
        80,
      ),
    ).toBe(false);
  });
});
