import "server-only";

import { log } from "./log";

// Everything that talks to the FastAPI backend lives here and runs only on the server: the backend is a
// ClusterIP service the browser cannot reach, so pages and Server Actions call it on the visitor's behalf.

export interface Task {
  id: number;
  title: string;
  done: boolean;
  created_at: string;
}

export interface BackendInfo {
  version: string;
  ai_enabled: boolean;
}

/** Raised for any failed call, with a message that is safe to show a visitor. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

// A backend that accepts the connection but never answers must not hang the page for minutes.
const REQUEST_TIMEOUT_MS = 5_000;

/** Read at request time, not build time, so one image runs against any backend. */
export function backendUrl(): string {
  return (process.env.BACKEND_URL || "http://localhost:7860").replace(/\/+$/, "");
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${backendUrl()}${path}`, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    // Only the method, path and error class are logged: BACKEND_URL may carry credentials.
    log.warning("backend unreachable", {
      method,
      path,
      error: error instanceof Error ? error.name : "unknown",
    });
    throw new BackendError("The task service is not reachable right now.");
  }
  log.debug("backend call", { method, path, status: response.status });
  return response;
}

async function expectJson<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) {
    log.warning("backend error", { what, status: response.status });
    throw new BackendError(`The task service could not ${what} (HTTP ${response.status}).`, response.status);
  }
  return (await response.json()) as T;
}

export async function listTasks(): Promise<Task[]> {
  return expectJson<Task[]>(await call("GET", "/api/tasks"), "list the tasks");
}

export async function getInfo(): Promise<BackendInfo> {
  return expectJson<BackendInfo>(await call("GET", "/api/info"), "describe itself");
}

export async function createTask(title: string): Promise<Task> {
  const response = await call("POST", "/api/tasks", { title });
  if (response.status === 422) throw new BackendError("The task service rejected that title.", 422);
  return expectJson<Task>(response, "add the task");
}

export async function updateTask(
  id: number,
  changes: { title?: string; done?: boolean },
): Promise<Task | null> {
  const response = await call("PATCH", `/api/tasks/${id}`, changes);
  // Someone else may have deleted the task meanwhile; the refreshed list will simply no longer show it.
  if (response.status === 404) return null;
  return expectJson<Task>(response, "update the task");
}

export async function deleteTask(id: number): Promise<void> {
  const response = await call("DELETE", `/api/tasks/${id}`);
  if (response.ok || response.status === 404) return;
  log.warning("backend error", { what: "delete the task", status: response.status });
  throw new BackendError(
    `The task service could not delete the task (HTTP ${response.status}).`,
    response.status,
  );
}
