// A small stand-in for the CrossGuard analyzer, so rule tests call each rule's validate function directly without
// starting the policy engine. It mirrors what the real analyzer hands a rule: props wrapped in the same
// unknown-checking proxy (taken from @pulumi/policy itself), isType by Pulumi type token, and notApplicable that
// throws.
import * as policyRuntime from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import type {
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

// These helpers are exported by the package at run time but marked internal in its type declarations.
const { unknownCheckingProxy } = policyRuntime as unknown as { unknownCheckingProxy: <T>(value: T) => T };

/**
 * What the engine sends for a string input that is unknown during preview (an Output of a resource that does not
 * exist yet). Put it anywhere in fake props; reading it through the proxy throws, as in a real preview.
 */
export const UNKNOWN_STRING: string = (proxyModule as unknown as { unknownStringValue: string })
  .unknownStringValue;

export interface FakeResource {
  type: string;
  props: object;
  /** The Pulumi resource name; defaults to metadata.name or "resource". */
  name?: string;
}

export interface ResourceOutcome {
  violations: string[];
  /** Set when the rule declared itself not applicable to the resource. */
  notApplicable?: string;
}

export interface StackViolation {
  message: string;
  urn?: string;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const noOptions: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function nameOf(resource: FakeResource): string {
  const metadata = (resource.props as { metadata?: { name?: unknown } }).metadata;
  return resource.name ?? (typeof metadata?.name === "string" ? metadata.name : "resource");
}

export function urnOf(resource: FakeResource): string {
  return `urn:pulumi:test::todo-app::${resource.type}::${nameOf(resource)}`;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: unknown }).__pulumiType === type;
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

/** Runs a resource rule against one resource and collects what it reports. */
export async function runResourcePolicy(policy: Policy, resource: FakeResource): Promise<ResourceOutcome> {
  const validations = (policy as ResourceValidationPolicy).validateResource;
  if (validations === undefined) {
    throw new Error(`${policy.name} is not a resource policy`);
  }
  const violations: string[] = [];
  const props = unknownCheckingProxy(structuredClone(resource.props) as Record<string, unknown>);
  const args: ResourceValidationArgs = {
    type: resource.type,
    props,
    urn: urnOf(resource),
    name: nameOf(resource),
    opts: noOptions,
    stackTags: new Map(),
    isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
    asType: <T>(resourceClass: unknown) =>
      isTypeOf(resource.type, resourceClass) ? (props as T) : undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: throwNotApplicable,
  };
  for (const validate of Array.isArray(validations) ? validations : [validations]) {
    try {
      await validate(args, (message) => violations.push(message));
    } catch (error) {
      if (error instanceof NotApplicable) {
        return { violations, notApplicable: error.reason };
      }
      throw error;
    }
  }
  return { violations };
}

/** The violations a resource rule reports; fails if the rule declared itself not applicable to the resource. */
export async function violationsOf(policy: Policy, resource: FakeResource): Promise<string[]> {
  const outcome = await runResourcePolicy(policy, resource);
  if (outcome.notApplicable !== undefined) {
    throw new Error(`${policy.name} does not apply to ${resource.type}: ${outcome.notApplicable}`);
  }
  return outcome.violations;
}

/** Runs a stack rule over a whole fake stack and collects what it reports (with the URN, if any). */
export async function runStackPolicy(policy: Policy, resources: FakeResource[]): Promise<StackViolation[]> {
  const validateStack = (policy as StackValidationPolicy).validateStack;
  if (typeof validateStack !== "function") {
    throw new Error(`${policy.name} is not a stack policy`);
  }
  const stackResources: PolicyResource[] = resources.map((resource) => {
    const props = unknownCheckingProxy(structuredClone(resource.props) as Record<string, unknown>);
    return {
      type: resource.type,
      props,
      urn: urnOf(resource),
      name: nameOf(resource),
      opts: noOptions,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: <T>(resourceClass: unknown) =>
        isTypeOf(resource.type, resourceClass) ? (props as T) : undefined,
    };
  });
  const violations: StackViolation[] = [];
  const args: StackValidationArgs = {
    resources: stackResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: throwNotApplicable,
  };
  await validateStack(args, (message, urn) =>
    violations.push(urn === undefined ? { message } : { message, urn }),
  );
  return violations;
}
