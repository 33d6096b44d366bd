/**
 * Which paths of the build context a Dockerfile can read, found by parsing it with `dockerfile-ast`.
 *
 * Only three instructions read the context: COPY and ADD without `--from` (ADD's URLs and Git sources come from
 * the network instead), and RUN with a `--mount=type=bind` that has no `from=`. Their sources are resolved the way
 * BuildKit's `frontend/dockerfile/dockerfile2llb/convert_copy.go` (`dispatchCopy`) resolves them: variables
 * expanded against the stage's ARGs and ENVs, the path cleaned against the context root (so a leading `/`, `./`
 * or `..` stays inside the context), `--parents` cut at its `/./` pivot.
 *
 * Whenever the file does something this cannot follow statically, the answer is the whole context, with the
 * reason: a tag must never miss a file the build reads, while hashing too much only costs a spurious rebuild.
 */
import {
  Add,
  Arg,
  Copy,
  DockerfileParser,
  Env,
  type Flag,
  From,
  type Instruction,
  type JSONInstruction,
  Onbuild,
  Run,
} from "dockerfile-ast";
import * as path from "path";

import { DockerfileScopes } from "./dockerfileScopes";
import { compileSegment, containsWildcards } from "./globMatch";
import { UNKNOWN } from "./shellWords";

/** The context-relative path that stands for the whole context. */
export const WHOLE_CONTEXT = ".";

export interface DockerfileReads {
  /**
   * Context-relative POSIX paths the build reads, each a file or a directory read whole; a segment may hold
   * `filepath.Match` wildcards. `["."]` is the whole context.
   */
  readonly paths: readonly string[];
  /** Why the whole context is hashed although the Dockerfile may read less, when the analysis had to give up. */
  readonly fallback?: string;
}

/** Thrown where the analysis cannot follow the Dockerfile; caught once, turning into a whole-context answer. */
class Unresolvable extends Error {}

/** Instructions that read nothing from the context (or only from stages and images). */
const NON_READING = new Set([
  "CMD",
  "ENTRYPOINT",
  "EXPOSE",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/**
 * The flags BuildKit declares for each instruction (`parseCopy` and `parseAdd` in `instructions/parse.go`, the
 * `commands_run*.go` files for RUN); any other makes the build fail, and is refused here rather than guessed at.
 */
const COPY_FLAGS = new Set(["from", "chown", "chmod", "link", "parents", "exclude"]);
const ADD_FLAGS = new Set(["chown", "chmod", "link", "keep-git-dir", "checksum", "unpack", "exclude"]);
const RUN_FLAGS = new Set(["mount", "network", "security", "device"]);

/** Official frontends, whose COPY and mount semantics are the ones modelled here. */
const OFFICIAL_SYNTAX =
  /^(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/** A one-based line and the instruction, for the reason given when the analysis gives up. */
function where(ins: Instruction): string {
  return `line ${ins.getRange().start.line + 1} (${ins.getKeyword()})`;
}

/** Cleans a source against the context root as BuildKit's `system.NormalizePath("/", src)` does. */
function contextPath(source: string): string {
  const rel = path.posix.join("/", source).replace(/^\/+/, "").replace(/\/+$/, "");
  return rel === "" ? WHOLE_CONTEXT : rel;
}

/**
 * The words after the flags: a JSON array of strings when the text parses as one (BuildKit's
 * `parseMaybeJSONToList`), else the whitespace-separated words.
 */
function argumentWords(ins: JSONInstruction): string[] {
  const content = (ins.getArgumentsContent() ?? "").trim();
  if (content.includes("<<")) throw new Unresolvable(`${where(ins)} uses a heredoc`);
  if (content.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((w): w is string => typeof w === "string")) return parsed;
    throw new Unresolvable(
      `${where(ins)} has arguments that are neither a JSON string array nor plain words`,
    );
  }
  return content === "" ? [] : content.split(/\s+/);
}

/**
 * The instruction's flags, refusing any this module does not know and any whose value is quoted or escaped
 * (BuildKit's `extractBuilderFlags` removes quotes and escapes, which the parser here keeps, so the two could
 * disagree about where the flags end).
 */
function checkedFlags(ins: JSONInstruction, allowed: ReadonlySet<string>, escapeChar: string): Flag[] {
  const flags = ins.getFlags();
  for (const flag of flags) {
    if (!allowed.has(flag.getName()))
      throw new Unresolvable(`${where(ins)} has an unknown flag --${flag.getName()}`);
    const value = flag.getValue() ?? "";
    if (/["']/.test(value) || value.includes("\\") || value.includes(escapeChar)) {
      throw new Unresolvable(`${where(ins)} has a quoted or escaped --${flag.getName()} value`);
    }
  }
  return flags;
}

/** Whether an ADD source comes from the network: a URL or a Git remote, as `dfgitutil.ParseGitRef` reads them. */
function isRemoteSource(source: string): boolean {
  return /^(?:https?|git|ssh):\/\//i.test(source) || /^[a-zA-Z0-9-_]+@[a-zA-Z0-9-.]+:/.test(source);
}

/** A source path as read: with `--parents`, only the literal part up to the first wildcard (see below). */
function readPath(source: string, parents: boolean, ins: Instruction): string {
  if (!parents) {
    const rel = contextPath(source);
    if (rel.split("/").some((segment) => compileSegment(segment) === null)) {
      throw new Unresolvable(`${where(ins)} has a malformed wildcard in "${source}"`);
    }
    return rel;
  }
  // `--parents` matches what follows the `/./` pivot with the ignore-file pattern syntax (`**` crosses
  // directories), so the literal directory before the first wildcard is taken whole.
  const segments = contextPath(source.replace("/./", "/")).split("/");
  const literal = segments.findIndex((segment) => containsWildcards(segment));
  return literal === -1 ? segments.join("/") : contextPath(segments.slice(0, literal).join("/"));
}

/** The context paths one COPY or ADD reads. */
function copyReads(ins: Copy | Add, scopes: DockerfileScopes, escapeChar: string): string[] {
  const isAdd = ins instanceof Add;
  const flags = checkedFlags(ins, isAdd ? ADD_FLAGS : COPY_FLAGS, escapeChar);
  // `--from` names a stage, an image or a named context: never the main build context.
  if (flags.some((f) => f.getName() === "from")) return [];
  const parentsFlag = flags.find((f) => f.getName() === "parents");
  const parents = parentsFlag !== undefined && parentsFlag.getValue() !== "false";
  const words = argumentWords(ins);
  if (words.length < 2) throw new Unresolvable(`${where(ins)} needs a source and a destination`);
  const reads: string[] = [];
  for (const word of words.slice(0, -1)) {
    const source = scopes.expand(word);
    if (source === UNKNOWN) throw new Unresolvable(`${where(ins)}: "${word}" has no statically known value`);
    if (isAdd && isRemoteSource(source)) continue;
    if (/^[a-zA-Z0-9]+:\/\//.test(source)) throw new Unresolvable(`${where(ins)} reads the URL "${source}"`);
    reads.push(readPath(source, parents, ins));
  }
  return reads;
}

/** The context paths one RUN's `--mount=type=bind` options (the default type) read. */
function runReads(ins: Run, scopes: DockerfileScopes, escapeChar: string): string[] {
  if ((ins.getArgumentsContent() ?? "").includes("<<"))
    throw new Unresolvable(`${where(ins)} uses a heredoc`);
  const reads: string[] = [];
  for (const flag of checkedFlags(ins, RUN_FLAGS, escapeChar)) {
    if (flag.getName() !== "mount") continue;
    // BuildKit's `parseMount` (`instructions/commands_runmount.go`) splits the value as CSV, starts from
    // type=bind, lower-cases keys and expands every value. Quotes were refused above, so CSV is plain commas.
    const mount = new Map<string, string>([["type", "bind"]]);
    for (const field of (flag.getValue() ?? "").split(",")) {
      const eq = field.indexOf("=");
      if (eq === -1) continue; // ro, rw, required: flags without a value.
      const key = field.slice(0, eq).toLowerCase();
      const value = scopes.expand(field.slice(eq + 1));
      if (value === UNKNOWN)
        throw new Unresolvable(`${where(ins)}: --mount ${key} has no statically known value`);
      mount.set(key === "src" ? "source" : key, value);
    }
    if (mount.get("type")?.toLowerCase() !== "bind" || (mount.get("from") ?? "") !== "") continue;
    reads.push(readPath(mount.get("source") ?? "", false, ins));
  }
  return reads;
}

/** Feeds one instruction to the scopes, or returns the context paths it reads. */
function dispatch(ins: Instruction, scopes: DockerfileScopes, escapeChar: string): string[] {
  if (ins instanceof From) {
    const [image, as, name] = ins.getArguments().map((a) => a.getValue());
    if (image === undefined) throw new Unresolvable(`${where(ins)} names no image`);
    scopes.startStage(image, as?.toLowerCase() === "as" ? name : undefined);
    return [];
  }
  if (ins instanceof Arg) {
    for (const p of ins.getProperties()) scopes.declareArg(p.getName(), p.getUnescapedValue());
    return [];
  }
  if (!scopes.inStage) throw new Unresolvable(`${where(ins)} comes before the first FROM`);
  if (ins instanceof Env) {
    scopes.setEnv(
      ins.getProperties().map((p) => ({ name: p.getName(), rawValue: p.getUnescapedValue() ?? "" })),
    );
    return [];
  }
  if (ins instanceof Copy || ins instanceof Add) return copyReads(ins, scopes, escapeChar);
  if (ins instanceof Run) return runReads(ins, scopes, escapeChar);
  // ONBUILD defers an instruction to the builds that use this image as their base. Rather than reason about
  // which context that will be, the whole context is hashed.
  if (ins instanceof Onbuild) throw new Unresolvable(`${where(ins)} defers instructions to later builds`);
  if (!NON_READING.has(ins.getKeyword())) throw new Unresolvable(`${where(ins)} is not a known instruction`);
  return [];
}

function analyze(content: string, buildArgs: Readonly<Record<string, string>>): DockerfileReads {
  const dockerfile = DockerfileParser.parse(content);
  for (const directive of dockerfile.getDirectives()) {
    if (directive.getName() === "syntax" && !OFFICIAL_SYNTAX.test(directive.getValue())) {
      throw new Unresolvable(`the syntax directive selects the frontend "${directive.getValue()}"`);
    }
  }
  const escapeChar = dockerfile.getEscapeCharacter();
  const scopes = new DockerfileScopes(buildArgs, escapeChar);
  const reads = new Set<string>();
  for (const ins of dockerfile.getInstructions()) {
    for (const read of dispatch(ins, scopes, escapeChar)) reads.add(read);
  }
  if (!scopes.inStage) throw new Unresolvable("the Dockerfile has no FROM");
  if (reads.has(WHOLE_CONTEXT)) return { paths: [WHOLE_CONTEXT] };
  return { paths: [...reads].sort() };
}

/**
 * Reads `content` (a Dockerfile) and returns the context paths a build with `buildArgs` can read, or the whole
 * context with the reason when the file uses something that cannot be resolved without building: a variable
 * without a statically known value in a path, a heredoc, ONBUILD, an unknown flag or frontend, a parse failure.
 *
 * Every stage counts, whatever `--target` is: a stage the target does not need reads nothing, so including it
 * can only hash more.
 */
export function dockerfileReads(
  content: string,
  buildArgs: Readonly<Record<string, string>> = {},
): DockerfileReads {
  try {
    return analyze(content, buildArgs);
  } catch (err) {
    const reason =
      err instanceof Unresolvable ? err.message : `the Dockerfile could not be parsed (${String(err)})`;
    return { paths: [WHOLE_CONTEXT], fallback: reason };
  }
}
