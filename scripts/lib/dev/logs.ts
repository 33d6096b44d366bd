/**
 * The log lines of both services in one terminal, each prefixed with its service and pod, following the new pods
 * after every rollout.
 *
 * One `kubectl logs -f <pod> -c <container>` per pod rather than one per selector: kubectl's own `-l` form picks
 * its pods once, when it starts (kubernetes/kubectl pkg/cmd/logs/logs.go: RunLogsContext builds its requests with
 * one LogsForObject call and then only consumes them; following more than --max-log-requests, 5 by default, is an
 * error), so it would never see a rollout's new pods. refresh() lists
 * the pods and starts a stream for each running pod not yet followed: a pod already running at the first refresh
 * from its last few lines (--tail), a new pod from its start, and a pod whose stream ended (its container
 * restarted) from when that stream ended (--since-time), so no line is shown twice. Lines keep their order per
 * pod because each pod has one stream, read line by line.
 */
import type { Children, SupervisedChild } from "./children";
import { type KubectlQuery, kubectlArgs, kubectlQuery, listPods, shortPodName } from "./pods";
import type { ClusterAccess, DevService, ServicePods } from "./types";

export const DEFAULT_FIRST_TAIL = 10;
/** How much of a kubectl complaint is shown. */
const MAX_NOTE = 160;
/** The random suffix of a ReplicaSet's pod names has 5 characters; longer ones are not cut. */
const POD_WIDTH = 5;

const COLORS: Readonly<Record<DevService, string>> = { backend: "\u001b[36m", frontend: "\u001b[35m" };
const RESET = "\u001b[0m";
const DIM = "\u001b[2m";

export interface LogStreamsOptions {
  readonly access: ClusterAccess;
  readonly children: Children;
  readonly services: readonly ServicePods[];
  /** Where each prefixed line goes (a line, without its end). */
  readonly write: (line: string) => void;
  /** Colour the prefixes: when the output is a TTY and NO_COLOR is not set. */
  readonly color?: boolean;
  /** Lines of history shown for the pods already running at the first refresh. */
  readonly firstTail?: number;
  /** How the pods are listed; by default a supervised `kubectl get pods`. */
  readonly query?: KubectlQuery;
  readonly now?: () => Date;
}

export interface LogStreams {
  /**
   * Lists each service's pods and follows every running one not yet followed; ends the streams of pods that are
   * gone. Calls that arrive while one runs are coalesced into one more. Never rejects: a failed listing is shown.
   */
  refresh(): Promise<void>;
  /** The pods being followed now. */
  readonly followed: readonly string[];
  /** Ends every stream; resolves once their kubectl have exited. */
  stop(): Promise<void>;
}

/** `backend  7f9c2 | `, padded so that the lines of every service start in the same column. */
export function logPrefix(service: DevService, pod: string, serviceWidth: number, color = false): string {
  const label = `${service.padEnd(serviceWidth)} ${shortPodName(pod).padEnd(POD_WIDTH)} |`;
  return color ? `${COLORS[service]}${label}${RESET} ` : `${label} `;
}

/** A kubectl complaint in one short line: `Error from server (BadRequest): ` and the like taken off. */
export function shortNote(line: string): string {
  const text = line.replace(/^(error: |Error from server( \([A-Za-z]+\))?: )/, "").trim();
  return text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE - 1)}…` : text;
}

interface Stream {
  readonly child: SupervisedChild;
  readonly service: DevService;
}

export function createLogStreams(options: LogStreamsOptions): LogStreams {
  const { access, children, services, write } = options;
  const query = options.query ?? kubectlQuery(access, children);
  const color = options.color ?? false;
  const firstTail = options.firstTail ?? DEFAULT_FIRST_TAIL;
  const now = options.now ?? (() => new Date());
  const width = Math.max(...services.map((s) => s.service.length));

  const streams = new Map<string, Stream>();
  /** When the last stream of a pod ended, for the pods followed before. */
  const endedAt = new Map<string, string>();
  /** What was already said, per pod or listing, so a repeated complaint is shown once. */
  const said = new Set<string>();
  let first = true;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again: Promise<void> | undefined;

  const note = (service: DevService, pod: string | undefined, message: string): void => {
    const key = `${pod ?? service}\u0000${message}`;
    if (said.has(key)) {
      return;
    }
    said.add(key);
    const prefix = pod
      ? logPrefix(service, pod, width, color)
      : `${service.padEnd(width)} ${"".padEnd(POD_WIDTH)} | `;
    write(color ? `${prefix}${DIM}(kubectl) ${message}${RESET}` : `${prefix}(kubectl) ${message}`);
  };

  const follow = (pods: ServicePods, pod: string, tail: boolean): void => {
    const since = endedAt.get(pod);
    const prefix = logPrefix(pods.service, pod, width, color);
    const args = [
      "logs",
      "-f",
      pod,
      "-c",
      pods.container,
      ...(since ? [`--since-time=${since}`] : tail ? [`--tail=${firstTail}`] : []),
    ];
    const child = children.start({
      name: `logs ${pod}`,
      command: access.kubectl.command,
      args: kubectlArgs(access, args),
      onStdout: (line) => write(`${prefix}${line}`),
      onStderr: (line) => {
        if (line.trim() !== "") {
          note(pods.service, pod, shortNote(line));
        }
      },
    });
    streams.set(pod, { child, service: pods.service });
    void child.exited.then(() => {
      if (streams.get(pod)?.child === child) {
        streams.delete(pod);
        endedAt.set(pod, now().toISOString());
      }
    });
  };

  const refreshOnce = async (): Promise<void> => {
    const tail = first;
    first = false;
    const present = new Set<string>();
    let listedAll = true;
    await Promise.all(
      services.map(async (pods) => {
        let list;
        try {
          list = await listPods(query, pods);
        } catch (error) {
          listedAll = false;
          if (!stopped) {
            note(pods.service, undefined, `cannot list the pods to follow: ${(error as Error).message}`);
          }
          return;
        }
        for (const pod of list) {
          present.add(pod.name);
          if (!stopped && pod.phase === "Running" && !pod.deleting && !streams.has(pod.name)) {
            follow(pods, pod.name, tail);
          }
        }
      }),
    );
    // A terminating pod keeps its stream to its end (its shutdown lines); a pod no longer listed loses it.
    if (listedAll) {
      await Promise.all(
        [...streams.entries()]
          .filter(([pod]) => !present.has(pod))
          .map(([pod, stream]) => {
            streams.delete(pod);
            return stream.child.stop();
          }),
      );
    }
  };

  const refresh = (): Promise<void> => {
    if (stopped) {
      return Promise.resolve();
    }
    if (!running) {
      running = refreshOnce().finally(() => (running = undefined));
      return running;
    }
    again ??= running.then(() => {
      again = undefined;
      return refresh();
    });
    return again;
  };

  return {
    refresh,
    get followed() {
      return [...streams.keys()];
    },
    async stop() {
      stopped = true;
      await running;
      await Promise.all([...streams.values()].map((s) => s.child.stop()));
      streams.clear();
    },
  };
}
