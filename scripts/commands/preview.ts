/**
 * `npm run preview [-- --stack NAME]`: what `npm run up` would change, on the same state and checks. It builds
 * nothing, but it needs the Docker daemon the images are built with: pulumi-docker connects to it whenever it
 * is configured, a preview included, so the session checks it first (scripts/lib/daemon.ts).
 */
import { runCommand } from "../lib/cli";
import { step } from "../lib/log";
import { liveOutput, openSession } from "../lib/session";

runCommand("preview", async (invocation) => {
  const { stack } = await openSession(invocation);
  step("pulumi preview");
  await stack.preview(liveOutput());
  return 0;
});
