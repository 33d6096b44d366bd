/**
 * The real machine the program runs on: the project directory, its environment, the `minikube` command
 * and the kubeconfig files. Kept apart from config.ts so tests can replace it with a stub.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

import type { Machine } from "../config";
import type { Kubeconfig } from "./buildTarget";

/** The directory of Pulumi.yaml, which relative paths in config are resolved against. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** This machine: the project directory, environment, `minikube` and the kubeconfig files. */
export function localMachine(projectDir: string = PROJECT_DIR): Machine {
  return {
    projectDir,
    env: process.env,
    homedir: os.homedir(),
    run: (command, args) => {
      const result = spawnSync(command, [...args], { encoding: "utf8", timeout: 30_000 });
      return {
        status: result.status,
        stdout: result.stdout ?? "",
        stderr: result.stderr ?? "",
        error: result.error,
      };
    },
    exists: (file) => fs.existsSync(file),
    readKubeconfig: (files) => {
      // Merged the way kubectl merges $KUBECONFIG: the first file that names a context or cluster wins.
      const merged: Kubeconfig = { contexts: [], clusters: [] };
      for (const file of files) {
        if (!fs.existsSync(file)) continue;
        const doc = YAML.parse(fs.readFileSync(file, "utf8")) as Kubeconfig | null;
        for (const c of doc?.contexts ?? [])
          if (!merged.contexts!.some((m) => m.name === c.name)) merged.contexts!.push(c);
        for (const c of doc?.clusters ?? [])
          if (!merged.clusters!.some((m) => m.name === c.name)) merged.clusters!.push(c);
      }
      return merged;
    },
  };
}
