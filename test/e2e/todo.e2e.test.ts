import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  buildFrontend,
  freePort,
  repoRoot,
  type RunningFrontend,
  type RunningProcess,
  startFrontend,
  startProcess,
  waitForHttp,
} from "../support/frontend";

// A person's round trip through the real stack: Chromium drives the built frontend, which talks to the real
// FastAPI backend on a throwaway SQLite database. Debian's Chromium and python3 are used because neither a
// browser download nor PyPI is reachable here (see the CI install steps in app/frontend/README.md).

const CHROMIUM = "/usr/bin/chromium";
const PYTHON = "/usr/bin/python3";
const BACKEND_DIR = path.join(repoRoot, "app", "backend");

function missingTools(): string[] {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(PYTHON)) {
    missing.push(`${PYTHON} (apt-get install python3)`);
  } else if (spawnSync(PYTHON, ["-c", "import fastapi, uvicorn"]).status !== 0) {
    missing.push("fastapi/uvicorn for /usr/bin/python3 (apt-get install python3-fastapi python3-uvicorn)");
  }
  if (!existsSync(path.join(BACKEND_DIR, "todo_api", "main.py"))) {
    missing.push(`backend source ${path.relative(repoRoot, BACKEND_DIR)}/todo_api/main.py`);
  }
  return missing;
}

const missing = missingTools();
for (const what of missing) console.log(`SKIP: ${what}`);

describe.skipIf(missing.length > 0)("todo app end to end in Chromium", () => {
  let dataDir: string;
  let backend: RunningProcess;
  let backendUrl: string;
  let frontend: RunningFrontend;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const serverDir = await buildFrontend();
    dataDir = mkdtempSync(path.join(os.tmpdir(), "todo-e2e-"));
    const port = await freePort();
    backendUrl = `http://127.0.0.1:${port}`;
    backend = startProcess(
      PYTHON,
      ["-m", "uvicorn", "todo_api.main:app", "--host", "127.0.0.1", "--port", String(port)],
      {
        cwd: BACKEND_DIR,
        env: {
          ...process.env,
          DATABASE_URL: `sqlite:///${path.join(dataDir, "e2e.db")}`,
          COHERE_API_KEY: "",
          LOG_LEVEL: "warning",
          // Debian's python3 must not pick up paths meant for the pyenv interpreter first on PATH.
          PYTHONPATH: undefined,
          PYTHONHOME: undefined,
          // Keep __pycache__ out of the source tree the backend image is built from.
          PYTHONDONTWRITEBYTECODE: "1",
        },
      },
    );
    await waitForHttp(`${backendUrl}/health`, backend);
    await waitForHttp(`${backendUrl}/ready`, backend);
    frontend = await startFrontend(serverDir, backendUrl);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await frontend?.stop();
    await backend?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const item = (title: string) => page.getByTestId("task-item").filter({ hasText: title });

  async function backendTasks(): Promise<{ title: string; done: boolean }[]> {
    const response = await fetch(`${backendUrl}/api/tasks`);
    return ((await response.json()) as { title: string; done: boolean }[]).map(({ title, done }) => ({
      title,
      done,
    }));
  }

  it("starts on an empty list with the backend's version in the footer", async () => {
    await page.goto(frontend.url);
    await page.getByTestId("task-list-empty").waitFor();
    const info = (await (await fetch(`${backendUrl}/api/info`)).json()) as { version: string };
    expect(await page.getByTestId("backend-info").textContent()).toContain(`Backend ${info.version}`);
  });

  it("adds a task typed into the form, completes it, and deletes it, showing each change", async () => {
    const title = "Water the plants";
    await page.goto(frontend.url);

    await page.getByLabel("New task").fill(title);
    await page.getByRole("button", { name: "Add task" }).click();
    await item(title).waitFor();
    expect(await item(title).getAttribute("data-done")).toBe("false");
    // The form clears itself once the task is really stored.
    await expect.poll(() => page.getByLabel("New task").inputValue()).toBe("");
    expect(await backendTasks()).toEqual([{ title, done: false }]);

    await page.getByRole("button", { name: `Mark "${title}" as done` }).click();
    await page.locator('[data-testid="task-item"][data-done="true"]', { hasText: title }).waitFor();
    expect(await backendTasks()).toEqual([{ title, done: true }]);

    // A reload shows what the backend stored, not just what the page remembered.
    await page.reload();
    expect(await item(title).getAttribute("data-done")).toBe("true");

    await page.getByRole("button", { name: `Mark "${title}" as not done` }).click();
    await page.locator('[data-testid="task-item"][data-done="false"]', { hasText: title }).waitFor();

    await page.getByRole("button", { name: `Delete "${title}"` }).click();
    await item(title).waitFor({ state: "detached" });
    await page.getByTestId("task-list-empty").waitFor();
    expect(await backendTasks()).toEqual([]);
  });

  it("keeps tasks in the order they were added", async () => {
    await page.goto(frontend.url);
    for (const title of ["First thing", "Second thing", "Third thing"]) {
      await page.getByLabel("New task").fill(title);
      await page.getByRole("button", { name: "Add task" }).click();
      await item(title).waitFor();
    }
    await page.reload();
    expect(await page.getByTestId("task-title").allTextContents()).toEqual([
      "First thing",
      "Second thing",
      "Third thing",
    ]);
  });

  it("explains why a blank title is not added and leaves it in the box", async () => {
    await page.goto(frontend.url);
    const before = (await backendTasks()).length;
    await page.getByLabel("New task").fill("    ");
    await page.getByRole("button", { name: "Add task" }).click();
    const error = page.getByTestId("add-task-error");
    expect(await error.textContent()).toContain("Please enter a task.");
    expect(await error.getAttribute("role")).toBe("alert");
    expect(await page.getByLabel("New task").inputValue()).toBe("    ");
    expect((await backendTasks()).length).toBe(before);
  });
});
