import http from "node:http";

// An in-memory stand-in for the FastAPI backend that follows the shared contract's endpoints, so the frontend
// can be tested without Python. Tests seed it and read its state; they never assert on its own replies.

export interface StubTask {
  id: number;
  title: string;
  done: boolean;
  created_at: string;
}

export interface StubBackend {
  readonly url: string;
  tasks: StubTask[];
  info: { version: string; ai_enabled: boolean };
  /** When set, every /api/* request answers with this status. */
  failWith: number | null;
  /** Paths requested so far, e.g. "GET /api/tasks". */
  readonly requests: string[];
  close(): Promise<void>;
}

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let data = "";
    request.on("data", (chunk: Buffer) => (data += chunk.toString()));
    request.on("end", () => {
      try {
        resolve(data ? JSON.parse(data) : {});
      } catch {
        resolve(null);
      }
    });
  });
}

export async function startStubBackend(): Promise<StubBackend> {
  let nextId = 1;
  const state = {
    tasks: [] as StubTask[],
    info: { version: "0.0.0-stub", ai_enabled: false },
    failWith: null as number | null,
    requests: [] as string[],
  };

  const server = http.createServer((request, response) => {
    void (async () => {
      const method = request.method ?? "GET";
      const pathname = new URL(request.url ?? "/", "http://stub").pathname;
      state.requests.push(`${method} ${pathname}`);
      const send = (status: number, body?: unknown) => {
        response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
        response.end(body === undefined ? undefined : JSON.stringify(body));
      };

      if (pathname === "/health") return send(200, { status: "healthy", version: state.info.version });
      if (state.failWith !== null) return send(state.failWith, { detail: "stub failure" });
      if (pathname === "/api/info" && method === "GET") return send(200, state.info);
      if (pathname === "/api/tasks" && method === "GET") return send(200, state.tasks);
      if (pathname === "/api/tasks" && method === "POST") {
        const body = (await readBody(request)) as { title?: unknown } | null;
        const title = typeof body?.title === "string" ? body.title.trim() : "";
        if (title.length < 1 || title.length > 200) return send(422, { detail: "invalid title" });
        const task = { id: nextId++, title, done: false, created_at: new Date().toISOString() };
        state.tasks.push(task);
        return send(201, task);
      }
      const match = /^\/api\/tasks\/(\d+)$/.exec(pathname);
      const task = match ? state.tasks.find((candidate) => candidate.id === Number(match[1])) : undefined;
      if (match && !task) return send(404, { detail: "not found" });
      if (task && method === "PATCH") {
        const body = (await readBody(request)) as { title?: string; done?: boolean } | null;
        if (typeof body?.done === "boolean") task.done = body.done;
        if (typeof body?.title === "string") task.title = body.title.trim();
        return send(200, task);
      }
      if (task && method === "DELETE") {
        state.tasks = state.tasks.filter((candidate) => candidate !== task);
        return send(204);
      }
      return send(404, { detail: "not found" });
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("stub backend has no address");

  return Object.assign(state, {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
