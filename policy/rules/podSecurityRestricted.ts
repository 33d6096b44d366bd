import { isRecord, records } from "../props";
import {
  containersOf,
  type ContainerRef,
  type PodSecurityContext,
  type PodSpec,
  type SecurityContext,
} from "../workload";
import { workloadPolicy } from "../workloadPolicy";

type Report = (message: string) => void;

/** Volume sources the "restricted" Pod Security Standard allows. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
const SECCOMP_TYPES = ["RuntimeDefault", "Localhost"];

function checkRunAsUserNotRoot(value: unknown, field: string, report: Report): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== "number") {
    report(`${field} must be a numeric UID, got ${JSON.stringify(value)}`);
  } else if (value === 0) {
    report(`${field} must not be 0 (root)`);
  }
}

/** Host namespaces and the pod-level security context; `p` is the pod spec's path. */
function checkPodLevel(
  spec: PodSpec | undefined,
  podSc: PodSecurityContext,
  p: string,
  report: Report,
): void {
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec?.[field] === true) {
      report(`${p}.${field} must not be true`);
    }
  }
  if (podSc.runAsNonRoot === false) {
    report(`${p}.securityContext.runAsNonRoot must not be false`);
  }
  checkRunAsUserNotRoot(podSc.runAsUser, `${p}.securityContext.runAsUser`, report);
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECCOMP_TYPES.includes(podSeccomp)) {
    report(
      `${p}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "${podSeccomp}"`,
    );
  }
}

function checkVolumes(spec: PodSpec | undefined, p: string, report: Report): void {
  for (const [index, volume] of records(spec?.volumes).entries()) {
    const label = typeof volume.name === "string" ? `volume "${volume.name}"` : `volume #${index}`;
    for (const source of Object.keys(volume).filter((key) => key !== "name")) {
      if (source === "hostPath") {
        report(`${label}: ${p}.volumes[${index}].hostPath is not allowed (it exposes the node's filesystem)`);
      } else if (!RESTRICTED_VOLUME_TYPES.includes(source)) {
        report(
          `${label}: ${p}.volumes[${index}].${source} is not an allowed volume type ` +
            `(allowed: ${RESTRICTED_VOLUME_TYPES.join(", ")})`,
        );
      }
    }
  }
}

/** One container's security context, falling back to the pod's where Kubernetes does. */
function checkContainer(
  { container, label }: ContainerRef,
  podSc: PodSecurityContext,
  p: string,
  report: Report,
): void {
  const sc: SecurityContext = isRecord(container.securityContext) ? container.securityContext : {};
  const where = `(on the container or at ${p}.securityContext)`;
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
    report(`${label}: securityContext.runAsNonRoot must be true ${where}`);
  }
  checkRunAsUserNotRoot(sc.runAsUser, `${label}: securityContext.runAsUser`, report);
  if (sc.privileged === true) {
    report(`${label}: securityContext.privileged must not be true`);
  }
  if (sc.allowPrivilegeEscalation !== false) {
    report(`${label}: securityContext.allowPrivilegeEscalation must be false`);
  }
  const drop = Array.isArray(sc.capabilities?.drop) ? sc.capabilities.drop : [];
  if (!drop.includes("ALL")) {
    report(`${label}: securityContext.capabilities.drop must include "ALL"`);
  }
  const added = Array.isArray(sc.capabilities?.add) ? sc.capabilities.add : [];
  for (const capability of added.filter((c) => c !== "NET_BIND_SERVICE")) {
    report(
      `${label}: securityContext.capabilities.add may only contain "NET_BIND_SERVICE", not ${JSON.stringify(capability)}`,
    );
  }
  const seccomp = sc.seccompProfile?.type;
  if (seccomp !== undefined && !SECCOMP_TYPES.includes(seccomp)) {
    report(
      `${label}: securityContext.seccompProfile.type must be RuntimeDefault or Localhost, got "${seccomp}"`,
    );
  } else if (seccomp === undefined && podSc.seccompProfile?.type === undefined) {
    report(`${label}: securityContext.seccompProfile.type must be RuntimeDefault or Localhost ${where}`);
  }
  for (const [index, port] of records("ports" in container ? container.ports : undefined).entries()) {
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      report(`${label}: ports[${index}].hostPort must not be set (got ${JSON.stringify(port.hostPort)})`);
    }
  }
}

export const podSecurityRestricted = workloadPolicy({
  name: "pod-security-restricted",
  description:
    'Pods must meet the Kubernetes Pod Security Standard "restricted": non-root, no privilege escalation, all ' +
    "capabilities dropped, a seccomp profile, no host namespaces, ports or paths. This is what a namespace " +
    "labelled pod-security.kubernetes.io/enforce=restricted admits, and it limits what a compromised app can do.",
  enforcementLevel: "mandatory",
  check: (workload, report) => {
    const spec = workload.podSpec;
    const p = workload.podSpecPath;
    const podSc: PodSecurityContext = isRecord(spec?.securityContext) ? spec.securityContext : {};
    checkPodLevel(spec, podSc, p, report);
    checkVolumes(spec, p, report);
    for (const ref of containersOf(spec)) {
      checkContainer(ref, podSc, p, report);
    }
  },
});
