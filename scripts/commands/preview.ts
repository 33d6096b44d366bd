/**
 * `npm run preview [-- --stack NAME]`: what `npm run up` would change, on the same state and checks. It builds
 * nothing, but it needs the Docker daemon the images are built with: pulumi-docker connects to it whenever it
 * is configured, a preview included, so the session checks it first (scripts/lib/daemon.ts).
 */
import { runCommand } from "../lib/cli";
import { prepareSessionForCluster } from "../lib/clusterIdentity";
import { log, step } from "../lib/log";
import { openSession } from "../lib/session";
import { cancellable } from "../lib/stackRun";

runCommand("preview", async (invocation) => {
  const session = await openSession(invocation);
  // The same cluster identity `up` passes, so the preview shows what `up` would do: nothing extra on the same
  // cluster, every object and image again on a recreated one.
  const replace = await prepareSessionForCluster(session, log);
  step("pulumi preview");
  await cancellable(session, "preview", (cli) => session.stack.preview({ ...cli, replace }));
  return 0;
});
