/**
 * The path settings, checked for the right kind of file before anything is registered: a build context is a
 * readable directory of a sensible size, a Dockerfile and a kubeconfig are readable files, and a Docker
 * certificate directory holds the three files the daemon's TLS needs. Without these checks a wrong path fails
 * only mid-deploy, with a raw EISDIR or EACCES that names no setting.
 */
import * as path from "path";

import { qualified } from "../catalog";
import { type FileKind, fileKindOf, isReadable } from "../host/machine";
import type { ConfigKeyName } from "./keys";
import type { ConfigProblems } from "./problems";
import type { ConfigReader } from "./reader";

/** Where relative paths resolve, and how the readers look at the file system (the Machine seam). */
export interface PathContext {
  readonly projectDir: string;
  /** The user's home directory, refused as a build context. */
  readonly homedir?: string;
  exists(file: string): boolean;
  kindOf?(file: string): FileKind;
  readable?(file: string): boolean;
}

/** The files `docker --tlsverify` reads from DOCKER_CERT_PATH. */
export const DOCKER_CERT_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

const KIND_WORDS: Record<FileKind, string> = {
  file: "a file",
  dir: "a directory",
  other: "neither a file nor a directory",
  missing: "missing",
};

function kindOf(paths: PathContext, file: string): FileKind {
  if (paths.kindOf) return paths.kindOf(file);
  // A stub without kindOf answers `exists` only; this machine's file system then says what the path is.
  return paths.exists(file) ? fileKindOf(file) : "missing";
}

function readable(paths: PathContext, file: string): boolean {
  return paths.readable ? paths.readable(file) : isReadable(file);
}

/** `~` is expanded by a shell, never by Pulumi config; say so when a path starts with it. */
function tildeHint(raw: string): string {
  return raw.startsWith("~") ? "; `~` is not expanded here, write the full path" : "";
}

/**
 * A build context: a readable directory, and neither the file system root nor the home directory. The content
 * tag hashes what the Dockerfile reads below it on every preview, and `docker build` sends it to the daemon, so
 * either would walk (and send) a whole disk or a whole home, `.ssh` and cloud credentials included.
 */
export function checkBuildContext(
  problems: ConfigProblems,
  key: ConfigKeyName,
  raw: string,
  abs: string,
  paths: PathContext,
): boolean {
  const kind = kindOf(paths, abs);
  if (kind === "missing") {
    problems.add(key, raw, `a directory that exists (looked for ${abs}${tildeHint(raw)})`);
    return false;
  }
  if (kind !== "dir") {
    problems.add(key, raw, `a directory: ${abs} is ${KIND_WORDS[kind]}`);
    return false;
  }
  const root = path.parse(abs).root;
  if (abs === root || (paths.homedir !== undefined && abs === path.resolve(paths.homedir))) {
    problems.add(
      key,
      raw,
      `the directory of one service's sources: ${abs} is ${abs === root ? "the file system root" : "your home directory"}, ` +
        "too large to hash on every preview (the image tag is a hash of what the Dockerfile reads) and to send to " +
        "the Docker daemon, and it holds files no image should receive",
    );
    return false;
  }
  if (!readable(paths, abs)) {
    problems.add(key, raw, `a directory this user can read (${abs} is not readable)`);
    return false;
  }
  return true;
}

/** A readable regular file (a Dockerfile, a kubeconfig). `what` names it in the message. */
export function checkFile(
  problems: ConfigProblems,
  key: ConfigKeyName,
  raw: string,
  abs: string,
  paths: PathContext,
  what: string,
): boolean {
  const kind = kindOf(paths, abs);
  if (kind === "missing") {
    problems.add(key, raw, `${what} that exists (looked for ${abs}${tildeHint(raw)})`);
    return false;
  }
  if (kind !== "file") {
    problems.add(key, raw, `${what}, a file: ${abs} is ${KIND_WORDS[kind]}`);
    return false;
  }
  if (!readable(paths, abs)) {
    problems.add(key, raw, `${what} this user can read (${abs} is not readable)`);
    return false;
  }
  return true;
}

/**
 * The settings that name a file outside the build: `kubeconfig` (when set; its defaults may be missing, the
 * probe then says which context is wanted) and `dockerCertPath`, which only means something with `dockerHost`.
 */
export function checkMachinePaths(config: ConfigReader, paths: PathContext): void {
  const problems = config.problems;
  const kubeconfig = config.string("kubeconfig");
  if (kubeconfig !== "") {
    checkFile(
      problems,
      "kubeconfig",
      kubeconfig,
      path.resolve(paths.projectDir, kubeconfig),
      paths,
      "a kubeconfig file",
    );
  }

  const certPath = config.string("dockerCertPath");
  if (certPath === "") return;
  if (config.string("dockerHost") === "") {
    problems.addRaw(
      `${qualified("dockerCertPath")} ${config.problems.show("dockerCertPath", certPath)} is set without ${qualified("dockerHost")}: ` +
        "the certificates are for the daemon dockerHost names (tcp://host:2376); set dockerHost too, or remove " +
        "dockerCertPath with `npm run pulumi -- config rm dockerCertPath`.",
    );
  }
  const abs = path.resolve(paths.projectDir, certPath);
  const kind = kindOf(paths, abs);
  if (kind !== "dir") {
    problems.add(
      "dockerCertPath",
      certPath,
      `a directory holding ${DOCKER_CERT_FILES.join(", ")}: ${abs} is ${KIND_WORDS[kind]}${tildeHint(certPath)}`,
    );
    return;
  }
  const missing = DOCKER_CERT_FILES.filter((f) => {
    const file = path.join(abs, f);
    return kindOf(paths, file) !== "file" || !readable(paths, file);
  });
  if (missing.length > 0) {
    problems.add(
      "dockerCertPath",
      certPath,
      `a directory holding ${DOCKER_CERT_FILES.join(", ")} this user can read (${abs} lacks ${missing.join(", ")})`,
    );
  }
}
