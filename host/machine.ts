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
  readKubeconfig(files: readonly string[]): Kubeconfig | undefined;
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
    readKubeconfig: readKubeconfigFiles,
  };
}
