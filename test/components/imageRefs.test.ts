/**
 * The deployed image references follow the source, exactly: a backend source change rolls the backend and
 * only the backend; touching ignored files (node_modules, .next, tests) changes nothing. Runs the whole
 * program on throwaway copies of the two build contexts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DATABASE_URL, PROJECT_DIR, runProgram } from "../support/program";

const SKIP_DIRS = new Set(["node_modules", ".next", "__pycache__", ".pytest_cache"]);

function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target);
  }
}

describe("image references", () => {
  let dir = "";
  const images = async () => {
    const run = await runProgram({
      config: {
        databaseUrl: DATABASE_URL,
        backendContext: path.join(dir, "backend"),
        frontendContext: path.join(dir, "frontend"),
      },
    });
    const deployed = (name: string) =>
      run.one("kubernetes:apps/v1:Deployment", `${name}-deployment`).inputs.spec.template.spec.containers[0]
        .image;
    expect(deployed("backend")).toBe(run.outputs.backendImage);
    expect(deployed("frontend")).toBe(run.outputs.frontendImage);
    return { backend: run.outputs.backendImage as string, frontend: run.outputs.frontendImage as string };
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-contexts-"));
    copyTree(path.join(PROJECT_DIR, "app/backend"), path.join(dir, "backend"));
    copyTree(path.join(PROJECT_DIR, "app/frontend"), path.join(dir, "frontend"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are stable for an unchanged tree", async () => {
    expect(await images()).toEqual(await images());
  });

  it("change for the backend only, when one backend source file changes", async () => {
    const before = await images();
    fs.appendFileSync(path.join(dir, "backend/todo_api/main.py"), "\n# a change\n");
    const after = await images();
    expect(after.backend).not.toBe(before.backend);
    expect(after.frontend).toBe(before.frontend);
  });

  it("do not change when ignored files change (node_modules, .next, tests, local env files)", async () => {
    const before = await images();
    for (const file of [
      "frontend/node_modules/left-pad/index.js",
      "frontend/.next/cache/x",
      "frontend/.env.local",
      "backend/tests/test_new.py",
      "backend/todo_api/__pycache__/main.cpython-311.pyc",
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), `changed ${Date.now()}`);
    }
    expect(await images()).toEqual(before);
  });
});
