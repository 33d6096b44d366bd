import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { buildFrontend, freePort, type RunningFrontend, startFrontend } from "../support/frontend";
import { type StubBackend, startStubBackend } from "./stub-backend";

// The built standalone server (what the image runs) against an in-memory backend: these checks are about what
// the frontend does with the backend's answers, not about the backend.

let serverDir: string;
let backend: StubBackend;
let frontend: RunningFrontend;
let orphanFrontend: RunningFrontend | undefined;

function itemsOf(html: string): { title: string; done: boolean }[] {
  const items = html.match(/<li[^>]*data-testid="task-item"[\s\S]*?<\/li>/g) ?? [];
  return items.map((item) => ({
    title: /data-testid="task-title"[^>]*>([\s\S]*?)<\/span>/.exec(item)?.[1] ?? "",
    done: /data-done="true"/.test(item),
  }));
}

async function homePage(url: string): Promise<string> {
  const response = await fetch(`${url}/`);
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  serverDir = await buildFrontend();
  backend = await startStubBackend();
  frontend = await startFrontend(serverDir, backend.url);
});

afterAll(async () => {
  await orphanFrontend?.stop();
  await frontend?.stop();
  await backend?.close();
});

beforeEach(() => {
  backend.tasks = [];
  backend.failWith = null;
  backend.info = { version: "0.0.0-stub", ai_enabled: false };
});

describe("frontend standalone server", () => {
  it("answers its health check with healthy, without calling the backend", async () => {
    const before = backend.requests.length;
    const response = await fetch(`${frontend.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "healthy" });
    expect(backend.requests.slice(before)).toEqual([]);
  });

  it("lists the backend's tasks in order, with finished ones marked done", async () => {
    backend.tasks = [
      { id: 7, title: "Buy milk & eggs", done: false, created_at: "2026-01-01T10:00:00Z" },
      { id: 9, title: "Write <the> report", done: true, created_at: "2026-01-02T10:00:00Z" },
    ];
    const html = await homePage(frontend.url);
    expect(itemsOf(html)).toEqual([
      { title: "Buy milk &amp; eggs", done: false },
      { title: "Write &lt;the&gt; report", done: true },
    ]);
    expect(html).toContain("1 of 2 left");
    expect(html).not.toContain('data-testid="backend-error"');
  });

  it("shows fresh data on every visit rather than a cached page", async () => {
    backend.tasks = [{ id: 1, title: "First", done: false, created_at: "2026-01-01T10:00:00Z" }];
    expect(itemsOf(await homePage(frontend.url)).map((item) => item.title)).toEqual(["First"]);
    backend.tasks.push({ id: 2, title: "Second", done: false, created_at: "2026-01-01T11:00:00Z" });
    expect(itemsOf(await homePage(frontend.url)).map((item) => item.title)).toEqual(["First", "Second"]);
  });

  it("invites the visitor to add a task when there are none", async () => {
    const html = await homePage(frontend.url);
    expect(html).toContain('data-testid="task-list-empty"');
    expect(html).toMatch(/<label for="new-task-title">New task<\/label>/);
    expect(html).toContain('data-testid="add-task-form"');
  });

  it("shows the backend version and AI flag in the footer", async () => {
    backend.info = { version: "9.8.7", ai_enabled: true };
    expect(await homePage(frontend.url)).toMatch(/data-testid="backend-info">Backend 9\.8\.7 · AI enabled</);
  });

  it("shows a friendly message instead of failing when the backend errors", async () => {
    backend.failWith = 500;
    const html = await homePage(frontend.url);
    expect(html).toContain('data-testid="backend-error"');
    expect(html).toContain("Tasks are unavailable");
    expect(html).toContain("Backend status unknown");
  });

  it("never hands the backend's address to the browser", async () => {
    backend.tasks = [{ id: 1, title: "Secret plans", done: false, created_at: "2026-01-01T10:00:00Z" }];
    const html = await homePage(frontend.url);
    expect(html).toContain("Secret plans");
    expect(html).not.toContain(backend.url);
    expect(html).not.toContain(new URL(backend.url).host);
  });

  it("serves the stylesheet and scripts the page links to", async () => {
    const html = await homePage(frontend.url);
    const assets = [...html.matchAll(/(?:href|src)="(\/_next\/static\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets.some((asset) => asset.endsWith(".css"))).toBe(true);
    for (const asset of new Set(assets)) {
      expect((await fetch(`${frontend.url}${asset}`)).status, asset).toBe(200);
    }
  });

  it("stays healthy and shows the error state when the backend cannot be reached at all", async () => {
    const closedPort = await freePort();
    orphanFrontend = await startFrontend(serverDir, `http://127.0.0.1:${closedPort}`);
    expect(await (await fetch(`${orphanFrontend.url}/api/health`)).json()).toEqual({ status: "healthy" });
    const html = await homePage(orphanFrontend.url);
    expect(html).toContain('data-testid="backend-error"');
    expect(html).toContain("not reachable");
  });
});
