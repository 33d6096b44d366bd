/** `npm run preview [-- --stack NAME]`: what `npm run up` would change, on the same state and checks. */
import { runCommand } from "../lib/cli";
import { step } from "../lib/log";
import { liveOutput, openSession } from "../lib/session";

runCommand("preview", async (invocation) => {
  const { stack } = await openSession(invocation);
  step("pulumi preview");
  await stack.preview(liveOutput());
  return 0;
});
