/**
 * `npm run pulumi -- <args>`: any Pulumi command on the same state `npm run up` uses. It sets
 * PULUMI_BACKEND_URL to the project's own file backend (unless you set it), and runs the Pulumi CLI on your
 * PATH, else the one the `pulumi` npm package provides. The stack `npm run up` last used stays selected.
 *
 *   npm run pulumi -- config set --secret cohereApiKey
 *   npm run pulumi -- stack output frontendUrl
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { PROJECT_DIR } from "../../host/machine";
import { resolveBackend } from "../lib/backend";
import { withoutNodeModulesBins } from "../lib/prerequisites";

function main(args: string[]): number {
  const backend = resolveBackend(process.env, PROJECT_DIR);
  if (backend.localDir) {
    fs.mkdirSync(backend.localDir, { recursive: true });
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: backend.url };
  // npm puts node_modules/.bin first on PATH, which would hide a CLI the user installed.
  const onPath = spawnSync("pulumi", ["version"], {
    env: { ...env, PATH: withoutNodeModulesBins(env.PATH ?? "") },
    stdio: "ignore",
  });
  const cli =
    onPath.status === 0
      ? "pulumi"
      : path.join(
          PROJECT_DIR,
          "node_modules",
          ".bin",
          process.platform === "win32" ? "pulumi.cmd" : "pulumi",
        );
  const pathForCli = onPath.status === 0 ? withoutNodeModulesBins(env.PATH ?? "") : env.PATH;
  const result = spawnSync(cli, args, {
    stdio: "inherit",
    cwd: PROJECT_DIR,
    env: { ...env, PATH: pathForCli },
  });
  if (result.error) {
    console.error(
      `Could not run the Pulumi CLI (${result.error.message}). Run \`npm ci\`, or install it from https://www.pulumi.com/docs/iac/download-install/.`,
    );
    return 1;
  }
  return result.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
