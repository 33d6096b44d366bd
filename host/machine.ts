/**
 * The machine the program runs on: the project directory, its environment, the commands it may run and the
 * kubeconfig files. One interface, so the program's tests replace the whole machine with a stub.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { type Kubeconfig, readKubeconfigFiles } from "./kubeconfig";
import { type CommandRunner, captureRunner } from "./process";

/** The facts of the machine the program reads; stubbed in tests. */
export interface Machine {
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly homedir: string;
  readonly run: CommandRunner;
  exists(file: string): boolean;
  /**
   * What is at a path, following symlinks as `docker build` does. Optional so that stubs written before it keep
   * compiling; without it the config readers ask this machine's file system (`fileKindOf`).
   */
  kindOf?(file: string): FileKind;
  /** Whether this process may read the file (or list the directory); without it, `isReadable`. */
  readable?(file: string): boolean;
  readKubeconfig(files: readonly string[]): Kubeconfig | undefined;
}

/** What a path names: a regular file, a directory, something else (a socket, a device), or nothing. */
export type FileKind = "file" | "dir" | "other" | "missing";

export function fileKindOf(file: string): FileKind {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return "missing";
  }
  return stat.isFile() ? "file" : stat.isDirectory() ? "dir" : "other";
}

export function isReadable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory of Pulumi.yaml, which relative paths in config are resolved against. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** This machine: the project directory, environment, `minikube` and the kubeconfig files. */
export function localMachine(projectDir: string = PROJECT_DIR): Machine {
  return {
    projectDir,
    env: process.env,
    homedir: os.homedir(),
    run: captureRunner(30_000),
    exists: (file) => fs.existsSync(file),
    kindOf: fileKindOf,
    readable: isReadable,
    readKubeconfig: readKubeconfigFiles,
  };
}
