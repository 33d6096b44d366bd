/**
 * `npm run dev` once the first update has deployed the stack: forward the frontend (and the backend, when asked)
 * to fixed localhost ports, stream both services' logs, watch exactly what each image reads, and run one cycle
 * per batch of saves, until SIGINT or SIGTERM. Then every child it started is stopped, an update in progress is
 * cancelled as `npm run up`'s would be (scripts/lib/interrupt.ts), what is deployed is printed and the exit code
 * is 130. Everything that touches Pulumi or the cluster arrives through DevRunDeps, so the end-to-end test
 * (test/scripts/dev/devCommand.test.ts) drives this very function with a fake CLI and a fake kubectl.
 */
import * as path from "path";

import { type AppServiceSpec, BACKEND, FRONTEND } from "../../../catalog";
import { selectorLabels } from "../../../k8s/labels";
import type { DevOptions } from "../args";
import { UserError } from "../errors";
import { InterruptedError, type SignalSource } from "../interrupt";
import { type Children, createChildren } from "./children";
import { type UpdateRequest, contentTag, createCycle, tagOfReference } from "./cycle";
import { diagnoseRollout } from "./diagnose";
import { createDevLoop } from "./loop";
import { type LogStreams, createLogStreams } from "./logs";
import { type PortForward, PortForwardError, checkLocalPort, createPortForward } from "./portForward";
import type { StateResource } from "./targets";
import { cycleLines, repositoryOf } from "./timing";
import {
  type ChangeBatch,
  type ClusterAccess,
  DEV_SERVICES,
  type DevService,
  type ServicePods,
  type WatchedImage,
} from "./types";
import { type ImageWatcher, programChangedSince, watchImages } from "./watch";

/** What the loop needs of the stack's outputs. */
export interface DevOutputs {
  readonly namespace: string;
  readonly images: readonly WatchedImage[];
  /** The image each service runs now (`backendImage`, `frontendImage`). */
  readonly imageRefs: Readonly<Partial<Record<DevService, string>>>;
  /** The content tag of each image the last full update built (imageSources' `tag`), digest references or not. */
  readonly tags: Readonly<Partial<Record<DevService, string>>>;
  readonly frontendUrl?: string;
}

/** The loop's view of `stack.outputs()`; a stack without `imageSources` was deployed by an older program. */
export function devOutputs(outputs: Readonly<Record<string, { value?: unknown }>>): DevOutputs {
  const text = (key: string): string | undefined => {
    const value = outputs[key]?.value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const sources = outputs.imageSources?.value as
    | Record<string, { context?: unknown; dockerfile?: unknown; buildArgs?: unknown; tag?: unknown }>
    | undefined;
  const namespace = text("namespace");
  if (sources === undefined || namespace === undefined) {
    throw new UserError(
      "The stack has no imageSources or namespace output, so npm run dev cannot tell what each image is built " +
        "from. Its last update did not finish: run `npm run up` and read its error.",
    );
  }
  const images = DEV_SERVICES.flatMap((service): WatchedImage[] => {
    const source = sources[service];
    if (typeof source?.context !== "string" || typeof source.dockerfile !== "string") return [];
    const args = (source.buildArgs ?? {}) as Record<string, unknown>;
    const buildArgs = Object.fromEntries(
      Object.entries(args).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    return [{ service, context: source.context, dockerfile: source.dockerfile, buildArgs }];
  });
  return {
    namespace,
    images,
    imageRefs: { backend: text("backendImage"), frontend: text("frontendImage") },
    tags: Object.fromEntries(
      DEV_SERVICES.flatMap((service) => {
        const tag = sources[service]?.tag;
        return typeof tag === "string" && tag !== "" ? [[service, tag]] : [];
      }),
    ),
    frontendUrl: text("frontendUrl"),
  };
}

/** The two services as the cluster side sees them in `namespace` (the instance label is the namespace). */
export function servicePods(namespace: string): Record<DevService, ServicePods> {
  const of = (spec: AppServiceSpec): ServicePods => ({
    service: spec.component,
    name: spec.serviceName,
    container: spec.container,
    port: spec.port,
    selector: selectorLabels({ component: spec.component, instance: namespace }),
  });
  return { backend: of(BACKEND), frontend: of(FRONTEND) };
}

export interface DevRunDeps {
  /** As the user gave it, for messages. */
  readonly stackName: string;
  /** The stack's own name: `Pulumi.<name>.yaml` is part of the program. */
  readonly shortStackName: string;
  readonly projectDir: string;
  readonly options: DevOptions;
  /** The stack's logLevel, for the header. */
  readonly logLevel: string;
  /** The outputs after the first update. */
  readonly outputs: DevOutputs;
  /** Reads them again (the summary on exit). */
  readonly readOutputs: () => Promise<DevOutputs>;
  /** The stack's resources, for a cycle's targets: read when the loop starts and again after each full update. */
  readonly readState: () => Promise<readonly StateResource[]>;
  /**
   * When the first update started (epoch ms). A save made while it ran, after the program had hashed its files,
   * comes before the watcher started, so the loop looks for such saves itself when it starts.
   */
  readonly deployStartedAt?: number;
  /**
   * The first update failed, and the stack's last good version runs on: the loop watches all the same, its first
   * cycle is a full update (whatever the save), and nothing runs before a save.
   */
  readonly firstDeployFailed?: boolean;
  /** One update, under scripts/lib/interrupt.ts: rejects with InterruptedError once a Ctrl-C cancelled it. */
  readonly update: (request: UpdateRequest) => Promise<unknown>;
  /** `--down-on-exit`: destroys the stack's objects; resolves with the lines that say what was left. */
  readonly destroy: () => Promise<readonly string[]>;
  /** kubectl on the stack's cluster, found as the health check finds it; undefined: no forwards, no logs. */
  readonly kubectl?: ClusterAccess["kubectl"];
  readonly log: (line: string) => void;
  /** Where each prefixed log line goes. */
  readonly write: (line: string) => void;
  readonly color?: boolean;
  readonly signals?: SignalSource;
  readonly debounceMs?: number;
  /** A supervisor of the caller's, for tests; by default one of its own. */
  readonly children?: Children;
}

/** The forwards the options ask for: the service, its local port and the flag that sets it. */
function forwardPorts(options: DevOptions): [DevService, number, string][] {
  const wanted: [DevService, number, string][] = [["frontend", options.frontendPort, "--frontend-port"]];
  if (options.backendPort !== undefined) wanted.push(["backend", options.backendPort, "--backend-port"]);
  return wanted;
}

/** A forward that cannot start (a taken port, a missing Service) is the user's to fix: said alone, exit 1. */
async function asUserError(started: Promise<void>): Promise<void> {
  try {
    await started;
  } catch (error) {
    if (error instanceof PortForwardError) throw new UserError(error.message);
    throw error;
  }
}

/**
 * Refuses a local forward port that is taken, naming the flag that changes it. dev.ts calls it before the first
 * deploy, so a taken port is said at once rather than after minutes of building; the forward checks again
 * when it starts (something may take the port meanwhile).
 *
 * @throws UserError naming the port and its flag.
 */
export async function checkForwardPorts(options: DevOptions): Promise<void> {
  for (const [service, localPort, portFlag] of forwardPorts(options)) {
    await asUserError(checkLocalPort(localPort, portFlag, `the ${service}'s port-forward`));
  }
}

/** How often the log streams look for pods they do not follow yet, between cycles. */
const LOG_REFRESH_MS = 5000;

/** Runs the loop until a signal; resolves with the exit code (130), never while a child still runs. */
export async function runDevLoop(deps: DevRunDeps): Promise<number> {
  const { log, options } = deps;
  const signals = deps.signals ?? process;
  const children = deps.children ?? createChildren();
  const pods = servicePods(deps.outputs.namespace);
  const access = deps.kubectl ? { kubectl: deps.kubectl, namespace: deps.outputs.namespace } : undefined;

  // Signals are taken first: a Ctrl-C while the forwards start must still stop what was started.
  let stopRequested: ((signal: string) => void) | undefined;
  let pendingSignal: string | undefined;
  let stopping = false;
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    if (stopping) {
      log(`${signal} received again: still stopping (an update in progress finishes cancelling first).`);
      return;
    }
    stopping = true;
    if (stopRequested) stopRequested(signal);
    else pendingSignal = signal;
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => ({
    signal,
    listener: onSignal(signal),
  }));
  listeners.forEach(({ signal, listener }) => signals.on(signal, listener));
  // A closed terminal: node would die of SIGHUP without running anything, and the children, in groups of their
  // own, would not get it; so it stops the loop as SIGTERM does.
  const onHangup = onSignal("SIGTERM");
  if (signals === process) process.on("SIGHUP", onHangup);

  const forwards: { service: DevService; forward: PortForward }[] = [];
  let logs: LogStreams | undefined;
  let watcher: ImageWatcher | undefined;
  try {
    if (access) {
      for (const [service, localPort, portFlag] of forwardPorts(options)) {
        const forward = createPortForward({
          access,
          children,
          service: pods[service],
          localPort,
          portFlag,
          log,
        });
        forwards.push({ service, forward });
        await asUserError(forward.start());
      }
      logs = createLogStreams({
        access,
        children,
        services: [pods.backend, pods.frontend],
        write: deps.write,
        color: deps.color,
      });
    }

    // Which resources the state holds changes only with a full update: a targeted one updates what it names and
    // creates only children the program already registered before (a new one needs a program change, which is
    // a full update). So the state is exported (a `pulumi stack export`, which decrypts the whole state) once,
    // in the background, and again after each full update, not once per save between the save and the build.
    let state: Promise<readonly StateResource[]> | undefined;
    const readState = (): Promise<readonly StateResource[]> => {
      const read = (state ??= deps.readState());
      read.catch(() => {
        if (state === read) state = undefined;
      });
      return read;
    };
    void readState().catch(() => undefined);
    const cycleFor = (outputs: DevOutputs) =>
      createCycle({
        images: outputs.images,
        deployed: deployedTags(outputs),
        readState,
        update: deps.update,
        diagnoseRollout: (service) =>
          access
            ? diagnoseRollout(access, pods[service], { children })
            : Promise.resolve(["(kubectl was not found, so the failing pods cannot be shown)"]),
        note: log,
      });
    let images = deps.outputs.images;
    let fullUpdateOwed = deps.firstDeployFailed === true;
    let cycle = cycleFor(deps.outputs);
    const startWatching = () =>
      watchImages({
        projectDir: deps.projectDir,
        stack: deps.shortStackName,
        images,
        debounceMs: deps.debounceMs,
        onBatch: (batch) => {
          if (stopping) return;
          loop.submit(fullUpdateOwed ? { ...batch, program: true } : batch);
          fullUpdateOwed = false;
        },
        onError: (error) => log(`Watcher: ${error.message}`),
      });
    /**
     * After a full update: the stack file or the program may have moved a context, a Dockerfile or a build
     * arg, so the images are read again from the outputs the update just wrote, and watched anew when they moved.
     */
    const followSources = async (): Promise<void> => {
      const fresh = await deps.readOutputs();
      if (JSON.stringify(fresh.images) === JSON.stringify(images)) return;
      images = fresh.images;
      cycle = cycleFor(fresh);
      await watcher?.close();
      watcher = await startWatching();
      log("The images' build sources changed with that update: watching the new ones.");
      watchLines(deps, watcher, images);
    };
    const rolled = async (services: readonly DevService[], full: boolean): Promise<void> => {
      // A forward is bound to the one pod kubectl picked (scripts/lib/dev/portForward.ts): after a rollout, to
      // the new pods, so the URL keeps answering.
      await Promise.all(
        forwards
          .filter(({ service }) => full || services.includes(service))
          .map(({ forward }) => forward.restart().catch((error: Error) => log(error.message))),
      );
      await logs?.refresh();
    };
    const loop = createDevLoop({
      runCycle: async (batch: ChangeBatch) => {
        const before = new Map(cycle.deployed());
        const result = await cycle.run(batch);
        if (result.outcome.kind !== "unchanged" && result.outcome.full) state = undefined;
        cycleLines(result, before, cycle.deployed()).forEach((line) => log(line));
        if (result.outcome.kind === "deployed" && !stopping) {
          await rolled(result.outcome.services, result.outcome.full);
          if (result.outcome.full) await followSources();
        }
        return result;
      },
      onError: (error) => {
        // A cycle that ended in an exception may have run any update: the state is read again.
        state = undefined;
        // An interrupted update has printed the stack's state already (scripts/lib/interrupt.ts).
        if (!(error instanceof InterruptedError))
          log(`The cycle failed: ${(error as Error).message}. Watching for the next change.`);
      },
    });

    watcher = await startWatching();
    header(deps, watcher, forwards, images);
    const missed = deps.firstDeployFailed
      ? undefined
      : missedDuringFirstDeploy(deps, images, cycle.deployed());
    if (missed !== undefined) {
      log(
        "Saved while the first deploy ran (after the program had read it): " +
          (missed.program ? "the program, so a full update" : [...missed.services].join(", ")) +
          " runs now.",
      );
      loop.submit(missed);
    }
    await logs?.refresh();
    // Between cycles too: a container that restarts, or a pod the cluster replaced, is followed within seconds.
    const refresher = setInterval(() => void logs?.refresh(), LOG_REFRESH_MS);
    refresher.unref();
    const signal = await new Promise<string>((resolve) => {
      if (pendingSignal !== undefined) resolve(pendingSignal);
      else stopRequested = resolve;
    });
    log(
      `\n${signal} received: stopping npm run dev` +
        (loop.running ? "; the update in progress is being cancelled, wait for it." : "."),
    );
    clearInterval(refresher);
    await watcher.close();
    await loop.stop();
    // A full update that ended meanwhile may have started a new watcher.
    await watcher.close();
    await stopAll(children, logs, forwards);
    await summary(deps, cycle.deployed());
    if (options.downOnExit) {
      log("\n--down-on-exit: destroying the stack's objects.");
      (await deps.destroy()).forEach((line) => log(line));
    }
    return 130;
  } finally {
    await watcher?.close().catch(() => undefined);
    await stopAll(children, logs, forwards);
    listeners.forEach(({ signal, listener }) => signals.removeListener(signal, listener));
    if (signals === process) process.removeListener("SIGHUP", onHangup);
  }
}

async function stopAll(
  children: Children,
  logs: LogStreams | undefined,
  forwards: readonly { forward: PortForward }[],
): Promise<void> {
  await Promise.all([logs?.stop(), ...forwards.map(({ forward }) => forward.stop())]);
  await children.stopAll();
}

/**
 * The tags deployed now: the content tag the program recorded for each image (imageSources), else the one in
 * its image output, else (a stack deployed before either existed) the hash of its sources now.
 */
function deployedTags(outputs: DevOutputs): Map<DevService, string> {
  return new Map(
    outputs.images.map((image) => {
      const ref = outputs.imageRefs[image.service];
      return [
        image.service,
        outputs.tags[image.service] ?? (ref && tagOfReference(ref)) ?? contentTag(image),
      ];
    }),
  );
}

/**
 * The saves the watcher cannot have seen because they came while the first update ran: an image whose files no
 * longer hash to the tag that update deployed, or a program file modified after it started. Undefined: none.
 */
function missedDuringFirstDeploy(
  deps: DevRunDeps,
  images: readonly WatchedImage[],
  deployed: ReadonlyMap<DevService, string>,
): ChangeBatch | undefined {
  const services = new Set(
    images
      .filter((image) => {
        try {
          return contentTag(image) !== deployed.get(image.service);
        } catch {
          // An image that cannot be hashed now: its next save's cycle says why.
          return false;
        }
      })
      .map((image) => image.service),
  );
  const program =
    deps.deployStartedAt !== undefined &&
    programChangedSince(deps.projectDir, deps.shortStackName, deps.deployStartedAt);
  if (services.size === 0 && !program) return undefined;
  const now = Date.now();
  return { services, program, files: [], savedAt: now, detectedAt: now };
}

/** What each image is watched for. */
function watchLines(deps: DevRunDeps, watcher: ImageWatcher, images: readonly WatchedImage[]): void {
  const { log } = deps;
  for (const image of images) {
    const reads = watcher.readPaths(image.service) ?? [];
    const context = path.relative(deps.projectDir, image.context) || ".";
    const what = reads.includes(".") ? "the whole context" : reads.join(", ");
    log(
      `Watching ${image.service}: ${context}/ (${what}, less what its ignore file excludes), its Dockerfile ` +
        "and ignore file",
    );
  }
}

function header(
  deps: DevRunDeps,
  watcher: ImageWatcher,
  forwards: readonly { service: DevService; forward: PortForward }[],
  images: readonly WatchedImage[],
): void {
  const { log } = deps;
  watchLines(deps, watcher, images);
  log(
    `Watching the program: index.ts, its folders, Pulumi.yaml and Pulumi.${deps.shortStackName}.yaml (a full update)`,
  );
  for (const { service, forward } of forwards) {
    log(
      `${service === "frontend" ? "Frontend" : "Backend"}: ${forward.url} (stays the same across rebuilds)`,
    );
  }
  if (forwards.length === 0) {
    log(
      `kubectl was not found (install it, or minikube's \`minikube kubectl --\` is used for a minikube stack): no ` +
        `port-forward and no logs. The app: ${deps.outputs.frontendUrl ?? "see npm run pulumi -- stack output frontendUrl"}`,
    );
  } else {
    log(
      `Logs: both services at logLevel ${deps.logLevel} (change it with ` +
        "`npm run pulumi -- config set logLevel info`; that is a full update).",
    );
  }
  log(
    "Save a file to rebuild the service that reads it. Ctrl-C stops the loop and everything it started" +
      (deps.options.downOnExit ? ", then destroys the stack (--down-on-exit)." : "; the stack stays up."),
  );
}

/**
 * What is deployed now, once everything the loop started has stopped: the content tags the loop's own cycles
 * deployed, which it knows without asking the stack's outputs after a targeted update.
 */
async function summary(deps: DevRunDeps, deployed: ReadonlyMap<DevService, string>): Promise<void> {
  const images = DEV_SERVICES.filter((s) => deployed.has(s))
    .map((s) => `${s} ${repositoryOf(s)}:${deployed.get(s)}`)
    .join(", ");
  deps.log(`Deployed in stack "${deps.stackName}" (namespace ${deps.outputs.namespace}): ${images}.`);
  let frontendUrl: string | undefined;
  try {
    frontendUrl = (await deps.readOutputs()).frontendUrl;
  } catch {
    frontendUrl = deps.outputs.frontendUrl;
  }
  if (frontendUrl) deps.log(`The frontend stays reachable at ${frontendUrl}.`);
  if (!deps.options.downOnExit) {
    deps.log(`It stays up: \`npm run down -- --stack ${deps.stackName}\` removes it.`);
  }
}
