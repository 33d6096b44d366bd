/**
 * This project's own lock on a stack, so two `npm run up` (or `down`, `preview`) of one stack never run at once:
 * the second stops, naming the first, before it touches minikube or the state. Pulumi's own stack lock
 * (pkg/backend/diy/lock.go) is taken only once the CLI runs the update, after minikube was started and the
 * program compiled, and is an internal layout; this one is a file created exclusively (`wx`) in the machine's
 * temporary folder, named by a hash of the backend URL and the stack (the URL can hold credentials, the hash
 * cannot), holding the holder's pid. It is removed when the process exits; one left by a process that died
 * (killed, or a second Ctrl-C) names a pid that no longer runs, and the next run takes it over.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { UserError } from "./errors";

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly stack: string;
  readonly startedAt: string;
}

export interface StackLockOptions {
  readonly backendUrl: string;
  /** The stack as one key: a DIY backend's `dev`, `organization/dev` and `organization/todo-app/dev` are one stack. */
  readonly stackKey: string;
  /** As the user named it, for messages. */
  readonly stackName: string;
  readonly command: string;
  /** Where lock files go; os.tmpdir()/todo-app-stack-locks unless a test says otherwise. */
  readonly dir?: string;
  readonly pid?: number;
  /** Whether a pid names a running process; process.kill(pid, 0) unless a test says otherwise. */
  readonly isAlive?: (pid: number) => boolean;
}

export interface StackLock {
  readonly file: string;
  /** Removes the lock if this process still holds it; also done on process exit. */
  release(): void;
}

/**
 * One key per stack of a backend: on a DIY backend `dev`, `organization/dev` and `organization/todo-app/dev` name
 * the same stack (scripts/lib/backend.ts); on Pulumi Cloud the name is kept as given.
 */
export function stackLockKey(stackName: string, backendKind: "cloud" | "diy"): string {
  return backendKind === "diy" ? (stackName.split("/").pop() ?? stackName) : stackName;
}

export function defaultLockDir(): string {
  return path.join(os.tmpdir(), "todo-app-stack-locks");
}

export function lockFileFor(dir: string, backendUrl: string, stackKey: string): string {
  const digest = createHash("sha256").update(`${backendUrl}\0${stackKey}`).digest("hex").slice(0, 32);
  return path.join(dir, `${digest}.json`);
}

/** A pid is alive when signal 0 reaches it; EPERM means it runs as another user, which is alive too. */
export function pidIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockHolder>;
    return typeof parsed.pid === "number" ? (parsed as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

export function busyMessage(stackName: string, holder: LockHolder): string {
  return (
    `Stack "${stackName}" is busy: \`npm run ${holder.command}\` of it is running on this machine ` +
    `(pid ${holder.pid}, started ${holder.startedAt}). Nothing was changed. Wait for that run to finish, or ` +
    "stop it with Ctrl-C in its terminal (once: it then cancels cleanly), and run this again."
  );
}

/**
 * Takes the stack's lock, or throws a UserError naming the run that holds it. A lock whose pid no longer runs
 * (or that cannot be read) is stale and taken over.
 */
export function acquireStackLock(options: StackLockOptions): StackLock {
  const dir = options.dir ?? defaultLockDir();
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? pidIsAlive;
  const file = lockFileFor(dir, options.backendUrl, options.stackKey);
  fs.mkdirSync(dir, { recursive: true });
  const holder: LockHolder = {
    pid,
    hostname: os.hostname(),
    command: options.command,
    stack: options.stackName,
    startedAt: new Date().toISOString(),
  };

  // Two attempts: the second after a stale lock was removed.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(holder));
      } finally {
        fs.closeSync(fd);
      }
      return heldLock(file, pid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
    const current = readHolder(file);
    if (current && current.pid !== pid && isAlive(current.pid)) {
      throw new UserError(busyMessage(options.stackName, current));
    }
    // Stale (its process is gone), unreadable (a holder killed between create and write), or our own pid.
    // Removed only if it is still the file just read, so a lock another run took over meanwhile stays.
    removeIfUnchanged(file, current);
  }
  const current = readHolder(file);
  throw new UserError(
    current
      ? busyMessage(options.stackName, current)
      : `Could not take the lock of stack "${options.stackName}" (${file}); run this again.`,
  );
}

function removeIfUnchanged(file: string, seen: LockHolder | undefined): void {
  const now = readHolder(file);
  if (JSON.stringify(now) !== JSON.stringify(seen)) {
    return;
  }
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
}

function heldLock(file: string, pid: number): StackLock {
  let released = false;
  const release = (): void => {
    if (released) {
      return;
    }
    released = true;
    process.removeListener("exit", release);
    // Only our own: a lock this process lost (removed by hand, taken over) is someone else's now.
    if (readHolder(file)?.pid === pid) {
      try {
        fs.unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  process.on("exit", release);
  return { file, release };
}
