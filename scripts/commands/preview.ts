/**
 * `npm run preview [-- --stack NAME]`: what `npm run up` would change, on the same state and checks. It builds
 * nothing, but it needs the Docker daemon the images are built with: pulumi-docker connects to it whenever it
 * is configured, a preview included, so the session checks it first (scripts/lib/daemon.ts).
 */
import { runCommand } from "../lib/cli";
import { step } from "../lib/log";
import { openSession } from "../lib/session";
import { cancellable } from "../lib/stackRun";

runCommand("preview", async (invocation) => {
  const session = await openSession(invocation);
  step("pulumi preview");
  await cancellable(session, "preview", (cli) => session.stack.preview(cli));
  return 0;
});
