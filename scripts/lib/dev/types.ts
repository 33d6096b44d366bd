/**
 * The parts of `npm run dev` and how they meet. scripts/commands/dev.ts wires them: the watcher (watch.ts) turns
 * saved files into change batches, the loop (loop.ts) runs one cycle at a time and coalesces what arrives
 * meanwhile, a cycle (cycle.ts) hashes, runs the targeted update and reports its timings, and the cluster side
 * (portForward.ts, logs.ts, diagnose.ts over children.ts) keeps the URL and the log streams on the newest pods.
 */
import type { Kubectl } from "../health";

/** The services the loop rebuilds one at a time; the catalog's component names. */
export type DevService = "backend" | "frontend";
export const DEV_SERVICES: readonly DevService[] = ["backend", "frontend"];

/** What one service's image is built from, as the program builds it (absolute paths, plain build args). */
export interface WatchedImage {
  readonly service: DevService;
  readonly context: string;
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** What the watcher saw between two debounce windows. */
export interface ChangeBatch {
  /** Services whose image inputs changed (a file their content tag hashes, their Dockerfile or ignore file). */
  readonly services: ReadonlySet<DevService>;
  /** The program itself (index.ts, its folders, Pulumi.yaml, the stack file) changed: a full update. */
  readonly program: boolean;
  /** The changed paths, absolute, for the cycle line. */
  readonly files: readonly string[];
  /** When the first change of the batch was saved (epoch ms): the file's mtime, or the event time when gone. */
  readonly savedAt: number;
  /** When the debounce window closed and the batch was handed on (epoch ms). */
  readonly detectedAt: number;
}

/** The durations of one cycle's phases in ms; a phase that did not run is undefined. */
export interface CycleTimings {
  /** From the save to the batch being handed on (watcher latency and debounce). */
  readonly detect: number;
  /**
   * Waiting for the cycle before to finish: a batch that arrived while a cycle ran starts only after it (its
   * saves are in `total`, so without this the phases would not add up). Undefined when it started at once.
   */
  readonly queued?: number;
  /** Computing the new content tags. */
  readonly hash?: number;
  /** The image steps of the update (build, and the load into kind or a containerd minikube). */
  readonly build?: number;
  /** The rest of the update: the program run, the engine and the other steps. */
  readonly update?: number;
  /** The Deployment steps: the provider waiting for the new pods to be ready. */
  readonly rollout?: number;
  /** From the save to ready pods (or to the failure). */
  readonly total: number;
}

export type CycleOutcome =
  | { readonly kind: "deployed"; readonly services: readonly DevService[]; readonly full: boolean }
  /** The hash found nothing the images read had changed (a save of identical content): nothing ran. */
  | { readonly kind: "unchanged"; readonly services: readonly DevService[] }
  | {
      readonly kind: "failed";
      readonly services: readonly DevService[];
      readonly full: boolean;
      /** build, update or rollout. */
      readonly phase: "build" | "update" | "rollout";
      /** Lines to show: the build's last lines, or the failing pod's events and last log lines. */
      readonly detail: readonly string[];
    };

export interface CycleResult {
  readonly outcome: CycleOutcome;
  readonly timings: CycleTimings;
}

/** Where the cluster side works: the stack's namespace through kubectl found as the health check finds it. */
export interface ClusterAccess {
  readonly kubectl: Kubectl;
  readonly namespace: string;
}

/** One service as the cluster side sees it. */
export interface ServicePods {
  readonly service: DevService;
  /** The Kubernetes Service (and Deployment) name. */
  readonly name: string;
  /** The container that runs the app. */
  readonly container: string;
  /** The pods' selector labels (k8s/labels.ts selectorLabels). */
  readonly selector: Readonly<Record<string, string>>;
  /** The container port. */
  readonly port: number;
}
