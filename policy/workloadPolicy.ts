// The builder behind every rule about pods: it finds the workload, skips other resources, and hands the rule's check
// plain props (values unknown during preview are absent) and a reporter that drops duplicates.
import type {
  EnforcementLevel,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

import { toPlain } from "./props";
import { workloadOf, type Workload } from "./workload";

/** What a pod rule sees: the workload and a reporter that drops duplicate messages (inherited pod-level values). */
export type PodCheck = (workload: Workload, report: (message: string) => void) => void;

/**
 * Runs `check`, reporting each distinct message once. A rule about containers cannot pass a workload whose pod spec
 * is absent, so that is reported instead of silently passing.
 */
function runCheck(
  check: PodCheck,
  workload: Workload,
  reportViolation: ReportViolation,
  requirePodSpec: boolean,
): void {
  const seen = new Set<string>();
  const report = (message: string) => {
    if (!seen.has(message)) {
      seen.add(message);
      reportViolation(message);
    }
  };
  if (requirePodSpec && !workload.podSpec) {
    report(`${workload.podSpecPath} is missing (or unknown during preview), so it cannot be checked`);
    return;
  }
  check(workload, report);
}

export interface WorkloadPolicyOptions {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  /** Only these kinds (e.g. long-running ones); all workload kinds when omitted. */
  appliesTo?: (workload: Workload) => boolean;
  /** Rules about containers need the pod spec; a rule about labels does not. */
  requirePodSpec?: boolean;
  check: PodCheck;
}

/** A resource rule over every workload kind (or those `appliesTo` accepts); not applicable to anything else. */
export function workloadPolicy(options: WorkloadPolicyOptions): ResourceValidationPolicy {
  return {
    name: options.name,
    description: options.description,
    enforcementLevel: options.enforcementLevel,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const workload = workloadOf({ type: args.type, props: toPlain(args.props) });
      if (!workload) {
        return args.notApplicable(
          "applies to Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods",
        );
      }
      if (options.appliesTo && !options.appliesTo(workload)) {
        return args.notApplicable(`does not apply to this ${workload.kind}`);
      }
      runCheck(options.check, workload, reportViolation, options.requirePodSpec ?? true);
    },
  };
}
