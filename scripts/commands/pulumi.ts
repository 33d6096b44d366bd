/**
 * `npm run pulumi -- <args>`: any Pulumi command on the same state `npm run up` uses. It sets
 * PULUMI_BACKEND_URL to the project's own file backend (unless you set it), and runs the Pulumi CLI on your
 * PATH, else the one the `pulumi` npm package provides, refusing one older than this project needs. The stack
 * `npm run up` last used stays selected.
 *
 *   npm run pulumi -- config set --secret cohereApiKey
 *   npm run pulumi -- stack output frontendUrl
 *   npm run pulumi -- stack rm --preserve-config <stack>
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { PROJECT_DIR } from "../../host/machine";
import { captureRunner } from "../../host/process";
import { resolveBackend } from "../lib/backend";
import { UserError } from "../lib/errors";
import { locatePulumi, npmPackageVersion, withoutNodeModulesBins } from "../lib/prerequisites";

function main(args: string[]): number {
  const backend = resolveBackend(process.env, PROJECT_DIR);
  if (backend.localDir) {
    fs.mkdirSync(backend.localDir, { recursive: true });
  }
  // npm puts node_modules/.bin first on PATH, which would hide a CLI the user installed.
  const userPath = withoutNodeModulesBins(process.env.PATH ?? "");
  process.env.PATH = userPath;
  let cli: string;
  try {
    const location = locatePulumi(captureRunner(15 * 60_000), {
      projectDir: PROJECT_DIR,
      env: process.env,
      homedir: os.homedir(),
      platform: process.platform,
      exists: (file) => fs.existsSync(file),
      npmPackageVersion: npmPackageVersion(PROJECT_DIR),
    });
    // The npm package's CLI is run by its binary, not its shim: on Windows the shim is a .cmd file, which only
    // a shell can start, and a shell would join the user's arguments into one command line.
    cli =
      location.kind === "path"
        ? "pulumi"
        : path.join(location.root, "bin", process.platform === "win32" ? "pulumi.exe" : "pulumi");
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(error.message);
    return 1;
  }
  const result = spawnSync(cli, args, {
    stdio: "inherit",
    cwd: PROJECT_DIR,
    env: { ...process.env, PULUMI_BACKEND_URL: backend.url, PATH: userPath },
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
