/**
 * The watcher of `npm run dev`: exactly the files each image's content tag hashes, and the program's own files.
 *
 * A path belongs to an image when it is its Dockerfile, the ignore file Docker uses for it (or the
 * `<Dockerfile>.dockerignore` whose creation would take over), or an entry the hash walk visits: below one of
 * the Dockerfile's read paths and let through by the ignore file (images/contextWalk.ts; the same matcher and
 * segment matchers, so the two cannot disagree). Everything else is left out of chokidar's `ignored` callback,
 * so an ignored directory (node_modules, .next, .pulumi-state) is never even opened: a save there, or of an
 * editor's temporary file, triggers nothing. A Dockerfile or ignore-file change recomputes what the image reads
 * and restarts chokidar on the new set (a new COPY line widens what is watched).
 *
 * chokidar's options, as chokidar 4.0.3 implements them (node_modules/chokidar/index.js):
 * - `atomic` (the default without polling) holds an `unlink` for 100 ms and turns an `add` of the same path
 *   within that time into a `change` (`_emit`), and ignores `.x.swp`, `x~` and Sublime's temp names (`DOT_RE`,
 *   `_isIgnored`). An atomic save (write a temporary file, rename it over the original, as vim and JetBrains do)
 *   is seen either way: the file's own watcher stats the path again on the rename and emits `change` for the
 *   new inode (handler.js `_handleFile`), and a replaced entry is re-read by its directory's watcher.
 * - `awaitWriteFinish` is off: it polls the file's size until it has been stable for `stabilityThreshold`
 *   (2000 ms by default, `_awaitWriteFinish`) before emitting, which every save would pay. The debounce here
 *   serves the same end: the hash runs after the writes of one save have settled.
 * - `followSymlinks: false`: the hash records a symlink's target text, never the target's content
 *   (contextHash.ts), so the link itself is watched (handler.js `_handleSymlink`), not what it points to.
 */
import { type FSWatcher, watch } from "chokidar";
import type { Stats } from "fs";
import * as fs from "fs";
import * as path from "path";

import { analyzeBuildContext } from "../../../images/contextHash";
import { WHOLE_CONTEXT } from "../../../images/dockerfileReads";
import { type ContextMatcher, createMatcher, readIgnoreFile } from "../../../images/dockerignore";
import { type SegmentMatcher, compileSegment } from "../../../images/globMatch";
import type { ChangeBatch, DevService, WatchedImage } from "./types";

export const DEFAULT_DEBOUNCE_MS = 100;
/**
 * chokidar drops a `change` of a path that comes within 50 ms of the last one it emitted for that path
 * (index.js `_emit`: `this._throttle(EVENTS.CHANGE, path, 50)`; no trailing event follows). A batch is therefore
 * never handed on sooner than this after its last event: a dropped change then happened before the hash reads
 * the file, and the next save after the batch is past the throttle and seen.
 */
export const CHOKIDAR_CHANGE_THROTTLE_MS = 50;
/** A stream of changes (an `npm install` in a read folder) is handed on at least this often. */
export const DEFAULT_MAX_WAIT_MS = 1000;

/**
 * The files and folders of the program: what `pulumi up` runs. Tests, scripts, the policy pack and the app are
 * not (an image may read the app; that is the image's business). tsconfig.pulumi.json is the one Pulumi.yaml
 * names for the program's runtime.
 */
export const PROGRAM_FILES = [
  "index.ts",
  "catalog.ts",
  "Pulumi.yaml",
  "tsconfig.json",
  "tsconfig.pulumi.json",
  "package.json",
  "package-lock.json",
];
export const PROGRAM_DIRS = ["config", "k8s", "components", "guards", "host", "images"];

/**
 * Whether a file of the program (as PROGRAM_FILES, PROGRAM_DIRS and the stack file name it) was modified after
 * `since` (epoch ms): a save made while the first update ran, before the watcher started.
 */
export function programChangedSince(projectDir: string, stack: string, since: number): boolean {
  const newer = (file: string): boolean => {
    try {
      return fs.statSync(file).mtimeMs > since;
    } catch {
      return false;
    }
  };
  const newerIn = (dir: string): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    return entries.some((entry) => {
      if (isEditorTempFile(entry.name)) return false;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return newerIn(full);
      return newer(full);
    });
  };
  return (
    [...PROGRAM_FILES, `Pulumi.${stack}.yaml`].some((file) => newer(path.join(projectDir, file))) ||
    PROGRAM_DIRS.some((dir) => newerIn(path.join(projectDir, dir)))
  );
}

/**
 * Editors' temporary files, never a change of content: vim's swap files (`.name.swp`, `.swo`... `.swa`, `.swx`),
 * its write test file (`4913`, then 123 more each time it exists: vim/vim src/bufwrite.c, `for (i = 4913; ;
 * i += 123)`) and backups (`name~`); emacs's lock links (`.#name`) and auto-saves (`#name#`); JetBrains' safe
 * write (`name___jb_tmp___`, `name___jb_old___`); `*.tmp`; VS Code's `*.crswap`; kate's `.name.kate-swp`.
 */
export function isEditorTempFile(name: string): boolean {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    if (n >= 4913 && (n - 4913) % 123 === 0) return true;
  }
  return (
    /\.sw[a-px]$/.test(name) ||
    name.endsWith("~") ||
    name.startsWith(".#") ||
    /^#.*#$/.test(name) ||
    /___jb_(tmp|old)___$/.test(name) ||
    name.endsWith(".tmp") ||
    name.endsWith(".crswap") ||
    name.endsWith(".kate-swp")
  );
}

/** `child` relative to `parent` with `/` separators, or undefined when it is not inside (or is) `parent`. */
function inside(parent: string, child: string): string | undefined {
  const rel = path.relative(parent, child);
  if (rel === "") return "";
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join("/");
}

/** What one image's content tag reads, as images/contextHash.ts walks it. */
export interface ImageReads {
  readonly image: WatchedImage;
  /** The Dockerfile's read paths (context-relative, wildcards allowed, `.` the whole context). */
  readonly readPaths: readonly string[];
  /** The ignore files whose change changes what is read: the one in use, and `<Dockerfile>.dockerignore`. */
  readonly ignoreFiles: readonly string[];
  /** Whether the hash visits this context-relative path (a file, symlink or directory record). */
  reads(rel: string): boolean;
  /** Whether the hash walk may enter this context-relative directory (`""` is the context). */
  entersDir(rel: string): boolean;
}

/**
 * What an image reads, from the same analysis as its tag (which walks the whole context when a read path
 * goes through a symlink).
 *
 * @throws Error naming the path when the context or the Dockerfile does not exist.
 */
export function imageReads(image: WatchedImage): ImageReads {
  const analysis = analyzeBuildContext({
    context: image.context,
    dockerfile: image.dockerfile,
    buildArgs: { ...image.buildArgs },
  });
  const matcher: ContextMatcher = createMatcher(readIgnoreFile(analysis.ignoreFile));
  const compiled: SegmentMatcher[][] = analysis.readPaths.map((read) =>
    read === WHOLE_CONTEXT ? [] : read.split("/").map((segment) => compileSegment(segment) ?? (() => true)),
  );
  const beside = `${image.dockerfile}.dockerignore`;
  const ignoreFiles = [...new Set([analysis.ignoreFile.path, beside])];
  // As contextWalk.ts's walkDir: an ignored directory is skipped when no `!` rule can reach inside it.
  const pruned = (segments: readonly string[], depth: number): boolean => {
    for (let i = 1; i <= depth; i++) {
      const dir = segments.slice(0, i).join("/");
      if (matcher.ignores(dir) && matcher.canSkipDirectory(dir)) return true;
    }
    return false;
  };
  const covers = (segments: readonly string[]): boolean =>
    compiled.some((read) => read.length <= segments.length && read.every((m, i) => m(segments[i])));
  return {
    image,
    readPaths: analysis.readPaths,
    ignoreFiles,
    reads(rel) {
      if (rel === "") return false;
      const segments = rel.split("/");
      return covers(segments) && !pruned(segments, segments.length - 1) && !matcher.ignores(rel);
    },
    entersDir(rel) {
      if (rel === "") return true;
      const segments = rel.split("/");
      const onTheWay = compiled.some(
        (read) => read.length > segments.length && segments.every((s, i) => read[i](s)),
      );
      return (onTheWay || covers(segments)) && !pruned(segments, segments.length);
    },
  };
}

/** What a changed path means. */
export interface PathClass {
  readonly program: boolean;
  /** The images whose tag hashes it. */
  readonly services: readonly DevService[];
  /** The images whose read set it changes (their Dockerfile or ignore file). */
  readonly rereads: readonly DevService[];
}

/** Which paths matter, for one set of image analyses. */
export interface WatchScope {
  classify(abs: string): PathClass;
  /** Whether a directory may hold a path that matters (so chokidar must watch it). */
  mayHold(absDir: string): boolean;
  /** The folders chokidar is started on: the project and every context and Dockerfile folder outside it. */
  roots(): string[];
}

export function watchScope(projectDir: string, stack: string, images: readonly ImageReads[]): WatchScope {
  const programFiles = new Set([...PROGRAM_FILES, `Pulumi.${stack}.yaml`]);
  const programDirs = new Set(PROGRAM_DIRS);
  const anchors = [
    projectDir,
    ...images.flatMap((r) => [
      r.image.context,
      path.dirname(r.image.dockerfile),
      ...r.ignoreFiles.map((file) => path.dirname(file)),
    ]),
  ];
  const isProgram = (abs: string): boolean => {
    const rel = inside(projectDir, abs);
    if (rel === undefined || rel === "") return false;
    const [first] = rel.split("/");
    return programFiles.has(rel) || programDirs.has(first);
  };
  return {
    classify(abs) {
      if (isEditorTempFile(path.basename(abs))) return { program: false, services: [], rereads: [] };
      const services: DevService[] = [];
      const rereads: DevService[] = [];
      for (const r of images) {
        const own = abs === r.image.dockerfile || r.ignoreFiles.includes(abs);
        const rel = inside(r.image.context, abs);
        if (own) rereads.push(r.image.service);
        if (own || (rel !== undefined && r.reads(rel))) services.push(r.image.service);
      }
      return { program: isProgram(abs), services, rereads };
    },
    mayHold(absDir) {
      if (anchors.some((anchor) => inside(absDir, anchor) !== undefined)) return true;
      const rel = inside(projectDir, absDir);
      if (rel !== undefined && programDirs.has(rel.split("/")[0])) return true;
      return images.some((r) => {
        const inContext = inside(r.image.context, absDir);
        return inContext !== undefined && r.entersDir(inContext);
      });
    },
    roots() {
      const candidates = [
        ...new Set([
          projectDir,
          ...images.flatMap((r) => [r.image.context, path.dirname(r.image.dockerfile)]),
        ]),
      ];
      return candidates.filter(
        (dir) => !candidates.some((other) => other !== dir && inside(other, dir) !== undefined),
      );
    },
  };
}

export interface ImageWatcherOptions {
  readonly projectDir: string;
  /** The stack's short name: `Pulumi.<stack>.yaml` is part of the program. */
  readonly stack: string;
  readonly images: readonly WatchedImage[];
  readonly onBatch: (batch: ChangeBatch) => void;
  /** Quiet time after the last change before the batch is handed on. Default 100 ms. */
  readonly debounceMs?: number;
  readonly maxWaitMs?: number;
  /** A watcher error, or an image whose read set cannot be recomputed (its tag's hash will say why). */
  readonly onError?: (error: Error) => void;
  readonly now?: () => number;
}

export interface ImageWatcher {
  /** The read paths each image is watched for now. */
  readPaths(service: DevService): readonly string[] | undefined;
  /** Resolves once a restart on a new read set (if any is under way) has finished. */
  settled(): Promise<void>;
  /** The directories chokidar watches now (absolute): what a test checks nothing ignored is opened by. */
  watchedDirs(): string[];
  close(): Promise<void>;
}

/**
 * A save's time: the file's mtime, unless that is not a recent past (a file moved into place keeps an old
 * mtime, `cp -p` too), then the moment the event arrived; for a file that is gone, that moment.
 */
function savedTime(abs: string, stats: Stats | undefined, eventAt: number): number {
  let mtime = stats?.mtimeMs;
  if (mtime === undefined) {
    try {
      mtime = fs.statSync(abs).mtimeMs;
    } catch {
      return eventAt;
    }
  }
  return mtime <= eventAt && mtime >= eventAt - 5000 ? mtime : eventAt;
}

function started(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once("ready", () => resolve()));
}

/** Starts watching; resolves once chokidar has read every watched folder. */
export async function watchImages(options: ImageWatcherOptions): Promise<ImageWatcher> {
  const now = options.now ?? Date.now;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const reads = new Map<DevService, ImageReads>();
  for (const image of options.images) reads.set(image.service, imageReads(image));
  let scope = watchScope(options.projectDir, options.stack, [...reads.values()]);

  let closed = false;
  let pending:
    { files: Map<string, number>; services: Set<DevService>; program: boolean; first: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    if (pending === undefined || closed) return;
    const { files, services, program } = pending;
    pending = undefined;
    options.onBatch({
      services,
      program,
      files: [...files.keys()],
      savedAt: Math.min(...files.values()),
      detectedAt: now(),
    });
  };

  const onEvent = (event: string, file: string, stats?: Stats): void => {
    if (closed) return;
    const eventAt = now();
    const abs = path.resolve(file);
    const cls = scope.classify(abs);
    if (!cls.program && cls.services.length === 0) return;
    if (cls.rereads.length > 0) reread(cls.rereads);
    pending ??= { files: new Map(), services: new Set(), program: false, first: eventAt };
    const at = savedTime(abs, event.startsWith("unlink") ? undefined : stats, eventAt);
    pending.files.set(abs, Math.min(at, pending.files.get(abs) ?? Infinity));
    cls.services.forEach((s) => pending!.services.add(s));
    pending.program ||= cls.program;
    if (timer) clearTimeout(timer);
    const wait = Math.min(debounceMs, pending.first + maxWaitMs - eventAt);
    timer = setTimeout(flush, Math.max(CHOKIDAR_CHANGE_THROTTLE_MS, wait));
  };

  const start = (): FSWatcher => {
    // Each instance keeps the scope it started with, so the one being replaced never adds what only the new
    // scope reads; events are classified by the current scope.
    const own = scope;
    const watcher = watch(own.roots(), {
      ignoreInitial: true,
      followSymlinks: false,
      // Consulted for every entry chokidar meets, with its lstat when it has one: a directory no path that
      // matters can be in is never opened.
      ignored: (file: string, stats?: Stats) => {
        const abs = path.resolve(file);
        if (isEditorTempFile(path.basename(abs))) return true;
        const cls = own.classify(abs);
        const matters = cls.program || cls.services.length > 0;
        if (stats === undefined) return !matters && !own.mayHold(abs);
        return stats.isDirectory() ? !matters && !own.mayHold(abs) : !matters;
      },
    });
    watcher.on("all", (event, file, stats) => onEvent(event, file, stats));
    watcher.on("error", (error) =>
      options.onError?.(error instanceof Error ? error : new Error(String(error))),
    );
    return watcher;
  };

  let active = start();
  let restarts: Promise<void> = Promise.resolve();

  // A new chokidar instance on the new scope; the old one keeps watching until the new one is ready, so no
  // save in between is missed (one seen twice lands in the same batch).
  const restart = (): void => {
    restarts = restarts.then(async () => {
      if (closed) return;
      const next = start();
      await started(next);
      const old = active;
      active = next;
      await old.close();
      if (closed) await next.close();
    });
  };

  function reread(services: readonly DevService[]): void {
    for (const service of services) {
      const current = reads.get(service);
      if (current === undefined) continue;
      try {
        reads.set(service, imageReads(current.image));
      } catch (error) {
        options.onError?.(error as Error);
      }
    }
    scope = watchScope(options.projectDir, options.stack, [...reads.values()]);
    restart();
  }

  await started(active);
  return {
    readPaths: (service) => reads.get(service)?.readPaths,
    settled: () => restarts,
    watchedDirs: () => Object.keys(active.getWatched()).map((dir) => path.resolve(dir)),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await restarts;
      await active.close();
    },
  };
}
