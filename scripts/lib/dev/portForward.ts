/**
 * A fixed localhost port forwarded to a Service, kept working across rollouts.
 *
 * `kubectl port-forward svc/<name>` does not forward to the Service: it resolves the Service to one pod once,
 * when it starts, and forwards to that pod until it exits (kubernetes/kubectl pkg/cmd/portforward/portforward.go:
 * Complete calls AttachablePodForObjectFn and keeps only `o.PodName`; RunPortForwardContext posts to that pod's
 * portforward subresource). After a rollout the pod is gone, so the forward is restarted after every rollout, and
 * restarted with a capped backoff whenever it exits on its own (client-go tools/portforward/portforward.go:
 * forward() returns ErrLostConnectionToPod once the stream to the pod closes, which handleConnection does when the
 * pod side reports an error, and kubectl then exits). The URL stays the same, so the caller prints it once.
 */
import * as net from "net";

import type { Children, ChildExit, SupervisedChild } from "./children";
import { kubectlArgs, lastLines } from "./pods";
import type { ClusterAccess, ServicePods } from "./types";

/** The address kubectl listens on: only this machine, never the network it is on. */
export const FORWARD_ADDRESS = "127.0.0.1";

/**
 * What kubectl prints on stdout for each listener it opened, once it is ready to accept connections
 * (client-go tools/portforward/portforward.go getListener: `Forwarding from %s -> %d`).
 */
const READY_LINE = /^Forwarding from \S+ -> \d+/;

/** kubectl waits up to its --pod-running-timeout (1 minute by default) for a running pod; a little more. */
export const DEFAULT_READY_TIMEOUT_MS = 75_000;

export interface PortForwardOptions {
  readonly access: ClusterAccess;
  readonly children: Children;
  readonly service: Pick<ServicePods, "service" | "name" | "port">;
  readonly localPort: number;
  /** The flag that sets the local port, named when the port is taken, e.g. `--frontend-port`. */
  readonly portFlag: string;
  /** Where the forward says it was lost or re-established; never the URL on every restart. */
  readonly log: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** Delays between attempts to re-establish a forward that exited on its own: doubled up to the cap. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface PortForward {
  /** `http://127.0.0.1:<localPort>`; the same for the life of the loop. */
  readonly url: string;
  /** True while a kubectl forward is running and has reported ready. */
  readonly up: boolean;
  /** Checks the local port is free, then starts kubectl; resolves once it forwards, rejects with the reason. */
  start(): Promise<void>;
  /**
   * Replaces the running forward by one to the Service's current pods; call after every rollout. Rejects when
   * the new one fails, and then keeps retrying in the background until it works or stop() is called.
   */
  restart(): Promise<void>;
  /** Ends the forward for good; resolves once kubectl has exited. */
  stop(): Promise<void>;
}

export class PortForwardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PortForwardError";
  }
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Resolves when `port` can be listened on at 127.0.0.1; rejects with a message naming the port and the flag. */
export function checkLocalPort(port: number, portFlag: string, what: string): Promise<void> {
  if (!validPort(port)) {
    return Promise.reject(
      new PortForwardError(`${portFlag} is ${port}: a local port must be an integer from 1 to 65535.`),
    );
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "is already in use"
          : error.code === "EACCES"
            ? "may not be listened on by this user"
            : `cannot be listened on (${error.code ?? error.message})`;
      reject(
        new PortForwardError(
          `Local port ${port} on ${FORWARD_ADDRESS}, for ${what}, ${why}. ` +
            `Stop what uses it, or choose another port with ${portFlag} <port>.`,
        ),
      );
    });
    server.listen({ port, host: FORWARD_ADDRESS, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Why a kubectl port-forward did not get ready, from its last stderr lines. */
export function forwardFailure(
  input: { namespace: string; serviceName: string; localPort: number; portFlag: string; what: string },
  stderr: readonly string[],
  exit: ChildExit | "timeout",
): string {
  const said = lastLines(stderr.join("\n"), 3);
  const kubectlSaid = said.length > 0 ? ` kubectl said: ${said.join(" | ")}` : "";
  const text = said.join("\n");
  if (/address already in use/i.test(text)) {
    return (
      `Local port ${input.localPort} on ${FORWARD_ADDRESS}, for ${input.what}, is already in use. ` +
      `Stop what uses it, or choose another port with ${input.portFlag} <port>.${kubectlSaid}`
    );
  }
  if (/NotFound/.test(text) && /services?\b/.test(text)) {
    return (
      `The Service "${input.serviceName}" does not exist in namespace "${input.namespace}": is the stack ` +
      `deployed?${kubectlSaid}`
    );
  }
  const how =
    exit === "timeout"
      ? "did not start forwarding in time"
      : exit.error
        ? `could not be started (${exit.error.message})`
        : `exited (${exit.signal ?? `code ${exit.code}`}) before forwarding`;
  return `kubectl port-forward svc/${input.serviceName} for ${input.what} ${how}.${kubectlSaid}`;
}

export function createPortForward(options: PortForwardOptions): PortForward {
  const { access, children, service, localPort, portFlag, log } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 10_000 };
  const what = `the ${service.service}'s port-forward`;
  const target = `svc/${service.name}`;
  const url = `http://${FORWARD_ADDRESS}:${localPort}`;
  const args = kubectlArgs(access, [
    "port-forward",
    target,
    `${localPort}:${service.port}`,
    "--address",
    FORWARD_ADDRESS,
  ]);

  let current: SupervisedChild | undefined;
  let up = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = backoff.initialMs;
  let lastRetryError: string | undefined;
  // Every change of the forward runs after the previous one, so two kubectl never race for the port.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op);
    queue = next.catch(() => undefined);
    return next;
  };

  const gone = (): boolean => stopped || children.stopping;

  /** Starts one kubectl and resolves once it forwards; on failure it has exited and the reason is thrown. */
  const attempt = async (): Promise<void> => {
    const stderr: string[] = [];
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const child = children.start({
      name: `port-forward ${target}`,
      command: access.kubectl.command,
      args,
      onStdout: (line) => {
        if (READY_LINE.test(line)) {
          markReady();
        }
      },
      onStderr: (line) => {
        stderr.push(line);
        stderr.splice(0, stderr.length - 20);
      },
    });
    current = child;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      child.exited,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), readyTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === "ready") {
      up = true;
      void child.exited.then((exit) => onExit(child, exit, stderr));
      return;
    }
    current = undefined;
    const exit = outcome === "timeout" ? "timeout" : outcome;
    await child.stop();
    throw new PortForwardError(
      forwardFailure(
        { namespace: access.namespace, serviceName: service.name, localPort, portFlag, what },
        stderr,
        exit,
      ),
    );
  };

  const onExit = (child: SupervisedChild, exit: ChildExit, stderr: readonly string[]): void => {
    if (current !== child) {
      return;
    }
    current = undefined;
    up = false;
    if (exit.stopped || gone()) {
      return;
    }
    const said = lastLines(stderr.join("\n"), 1)[0];
    log(
      `${what} to ${target} was lost (${said ?? `kubectl exited with ${exit.signal ?? `code ${exit.code}`}`}); re-establishing it.`,
    );
    delay = backoff.initialMs;
    lastRetryError = undefined;
    scheduleRetry();
  };

  const scheduleRetry = (): void => {
    if (gone() || retryTimer) {
      return;
    }
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void serial(retry);
    }, delay);
    delay = Math.min(delay * 2, backoff.maxMs);
  };

  const retry = async (): Promise<void> => {
    if (gone() || current) {
      return;
    }
    try {
      await attempt();
      log(`${what} is forwarding again: ${url}`);
      delay = backoff.initialMs;
      lastRetryError = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (gone()) {
        return;
      }
      // One line per distinct failure, not one per attempt.
      if (message !== lastRetryError) {
        log(`${message} Retrying (every ${backoff.maxMs / 1000}s at most).`);
        lastRetryError = message;
      }
      scheduleRetry();
    }
  };

  const clearRetry = (): void => {
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
  };

  const stopCurrent = async (): Promise<void> => {
    const child = current;
    current = undefined;
    up = false;
    await child?.stop();
  };

  return {
    url,
    get up() {
      return up;
    },
    start: () =>
      serial(async () => {
        if (current) {
          return;
        }
        await checkLocalPort(localPort, portFlag, what);
        await attempt();
      }),
    restart: () =>
      serial(async () => {
        clearRetry();
        if (gone()) {
          return;
        }
        await stopCurrent();
        try {
          await attempt();
        } catch (error) {
          delay = backoff.initialMs;
          lastRetryError = (error as Error).message;
          scheduleRetry();
          throw error;
        }
      }),
    async stop() {
      stopped = true;
      clearRetry();
      // Stopping the child at once also ends an attempt that is waiting for kubectl to get ready.
      await stopCurrent();
      await queue;
      await stopCurrent();
    },
  };
}
