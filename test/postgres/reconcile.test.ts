/**
 * The SQL the in-cluster PostgreSQL runs on every start (k8s/postgres.ts RECONCILE_SQL), against a real server:
 * a throwaway cluster made with initdb, listening on 127.0.0.1 only, with the same authentication the official
 * image sets up (trust on the local socket, a password over TCP). It checks what the backend relies on: its
 * role logs in with its password, is no superuser, and can create and use tables; a new password replaces the
 * old; tables the superuser made before stay usable; no password reaches the server log.
 */
import { type SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  POSTGRES_APP_USER,
  POSTGRES_DB,
  POSTGRES_USER,
  RECONCILE_PSQL_VARS,
  RECONCILE_SQL,
} from "../../k8s/postgres";

function findBin(name: string): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const file = path.join(root, v, "bin", name);
    if (fs.existsSync(file)) return file;
  }
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

const initdb = findBin("initdb");
const pgCtl = findBin("pg_ctl");
const psqlBin = findBin("psql");
const missing = !initdb || !pgCtl || !psqlBin;
if (missing) {
  console.log("SKIP: the PostgreSQL server binaries are not installed (Debian: apt-get install postgresql)");
}

// initdb and postgres refuse to run as root; as root the suite runs them as the postgres user.
const asRoot = process.getuid?.() === 0;
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): SpawnSyncReturns<string> {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  return spawnSync(cmd, argv, { encoding: "utf8", input, env: { ...process.env, ...env }, timeout: 60_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

describe.skipIf(missing)("the database's start-up SQL on a real PostgreSQL", () => {
  let dir = "";
  let port = 0;
  const data = () => path.join(dir, "data");
  const socket = () => path.join(dir, "run");
  const log = () => path.join(dir, "server.log");

  /** psql as the superuser over the trusted socket, as the hook runs it. */
  const reconcile = (superPassword: string, appPassword: string) =>
    run(
      psqlBin!,
      [
        "-q",
        "-X",
        ...RECONCILE_PSQL_VARS,
        "-h",
        socket(),
        "-p",
        String(port),
        "-U",
        POSTGRES_USER,
        "-d",
        POSTGRES_DB,
      ],
      { POSTGRES_PASSWORD: superPassword, APP_PASSWORD: appPassword },
      `${RECONCILE_SQL}\n`,
    );
  /** psql over TCP with a password, as the backend connects. */
  const overTcp = (user: string, password: string, sql: string) =>
    run(
      psqlBin!,
      [
        "-X",
        "-tA",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        user,
        "-d",
        POSTGRES_DB,
        "-c",
        sql,
      ],
      {
        PGPASSWORD: password,
      },
    );
  const asSuperuser = (sql: string) =>
    run(psqlBin!, [
      "-X",
      "-tA",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      socket(),
      "-p",
      String(port),
      "-U",
      POSTGRES_USER,
      "-d",
      POSTGRES_DB,
      "-c",
      sql,
    ]);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-pg-"));
    fs.mkdirSync(socket());
    if (asRoot) spawnSync("chown", ["-R", "postgres:postgres", dir]);
    port = await freePort();
    const init = run(initdb!, [
      "-D",
      data(),
      "-U",
      POSTGRES_USER,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
    ]);
    expect(init.status, init.stderr).toBe(0);
    const start = run(pgCtl!, [
      "-D",
      data(),
      "-l",
      log(),
      "-w",
      "-o",
      `-p ${port} -k ${socket()} -c listen_addresses=127.0.0.1 -c log_statement=all`,
      "start",
    ]);
    expect(start.status, start.stderr).toBe(0);
    const created = run(findBin("createdb")!, [
      "-h",
      socket(),
      "-p",
      String(port),
      "-U",
      POSTGRES_USER,
      POSTGRES_DB,
    ]);
    expect(created.status, created.stderr).toBe(0);
    // A table made by an earlier version of the program, which connected as the superuser.
    expect(asSuperuser("CREATE TABLE legacy (id int); INSERT INTO legacy VALUES (1);").status).toBe(0);
  });

  afterAll(() => {
    if (dir) {
      run(pgCtl!, ["-D", data(), "-m", "immediate", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("creates the app's role with its password, and the superuser's password works too", () => {
    const result = reconcile("super-pass-1", "app-pass-1");
    expect(result.status, result.stderr).toBe(0);
    expect(overTcp(POSTGRES_APP_USER, "app-pass-1", "SELECT current_user").stdout.trim()).toBe(
      POSTGRES_APP_USER,
    );
    expect(overTcp(POSTGRES_USER, "super-pass-1", "SELECT current_user").stdout.trim()).toBe(POSTGRES_USER);
  });

  it("makes the app's role no superuser, able to create, write and read its own tables and the old ones", () => {
    expect(
      asSuperuser(
        `SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = '${POSTGRES_APP_USER}'`,
      ).stdout.trim(),
    ).toBe("f|f|f");
    const used = overTcp(
      POSTGRES_APP_USER,
      "app-pass-1",
      "CREATE TABLE IF NOT EXISTS tasks (id serial PRIMARY KEY, title text); INSERT INTO tasks (title) VALUES ('x'); " +
        "INSERT INTO legacy VALUES (2); SELECT count(*) FROM tasks;",
    );
    expect(used.status, used.stderr).toBe(0);
    expect(used.stdout.trim().split("\n").pop()).toBe("1");
    expect(overTcp(POSTGRES_APP_USER, "app-pass-1", "CREATE ROLE intruder").status).not.toBe(0);
  });

  it("is idempotent, and a new password replaces the old one", () => {
    const again = reconcile("super-pass-2", "app-pass-2");
    expect(again.status, again.stderr).toBe(0);
    expect(overTcp(POSTGRES_APP_USER, "app-pass-1", "SELECT 1").status).not.toBe(0);
    expect(overTcp(POSTGRES_APP_USER, "app-pass-2", "SELECT count(*) FROM tasks").stdout.trim()).toBe("1");
  });

  it("writes no password to the server log, though the server logs every statement", () => {
    const text = fs.readFileSync(log(), "utf8");
    expect(text).toContain("CREATE TABLE legacy");
    for (const secret of ["super-pass-1", "super-pass-2", "app-pass-1", "app-pass-2"]) {
      expect(text).not.toContain(secret);
    }
  });
});
