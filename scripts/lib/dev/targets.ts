/**
 * Which resources a targeted update of one service names: the service's AppService component and everything
 * below it in the stack's state (its ServiceImage with the image and the load, the Deployment, the Service, the
 * PodDisruptionBudget and the NetworkPolicies). The update also passes `targetDependents`, so a resource outside
 * that subtree which depends on one inside it is updated too, and so is a child the state does not hold yet
 * (its parent is targeted). What the engine does with the rest is cited in test/scripts/dev/targets.test.ts.
 */
import type { DevService } from "./types";

/** The type token of components/appService.ts. */
export const APP_SERVICE_TYPE = "todo:app:AppService";

/** The part of one resource of `stack.exportStack()`'s `deployment.resources` the targets are computed from. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
}

/** The resources of an exported stack (`Deployment` of the Automation API), tolerating an empty stack. */
export function stateResources(exported: { readonly deployment?: unknown }): StateResource[] {
  const deployment = exported.deployment as { resources?: unknown } | undefined;
  const resources = Array.isArray(deployment?.resources) ? (deployment.resources as unknown[]) : [];
  return resources.flatMap((r) => {
    const resource = r as { urn?: unknown; type?: unknown; parent?: unknown };
    if (typeof resource.urn !== "string" || typeof resource.type !== "string") return [];
    return [
      {
        urn: resource.urn,
        type: resource.type,
        ...(typeof resource.parent === "string" && resource.parent !== "" ? { parent: resource.parent } : {}),
      },
    ];
  });
}

/**
 * The resource's name: what follows the type in `urn:pulumi:<stack>::<project>::<type chain>::<name>`
 * (pulumi/pulumi sdk/go/common/resource/urn/urn.go, New). A name may itself hold `::`, so everything after
 * the fourth field is the name.
 */
export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

export interface ServiceTargets {
  /** The component's URN and every URN below it, in state order. */
  readonly targets: string[];
  /** Services whose AppService component the state does not hold (never deployed, or renamed). */
  readonly missing: DevService[];
}

/** The URNs a targeted update of `services` names; see the file comment. */
export function serviceTargets(
  resources: readonly StateResource[],
  services: readonly DevService[],
): ServiceTargets {
  const children = new Map<string, string[]>();
  for (const r of resources) {
    if (r.parent === undefined) continue;
    const list = children.get(r.parent) ?? [];
    list.push(r.urn);
    children.set(r.parent, list);
  }
  const inSubtree = new Set<string>();
  const missing: DevService[] = [];
  for (const service of services) {
    const root = resources.find((r) => r.type === APP_SERVICE_TYPE && urnName(r.urn) === service);
    if (root === undefined) {
      missing.push(service);
      continue;
    }
    const pending = [root.urn];
    while (pending.length > 0) {
      const urn = pending.pop()!;
      if (inSubtree.has(urn)) continue;
      inSubtree.add(urn);
      pending.push(...(children.get(urn) ?? []));
    }
  }
  return { targets: resources.map((r) => r.urn).filter((urn) => inSubtree.has(urn)), missing };
}

/** The service a resource of the program belongs to, by the `${name}-<role>` child names of components/. */
export function serviceOfUrn(urn: string, services: readonly DevService[]): DevService | undefined {
  const name = urnName(urn);
  return services.find((s) => name === s || name.startsWith(`${s}-`));
}
