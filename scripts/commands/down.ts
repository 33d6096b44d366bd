/**
 * `npm run down [-- --stack NAME]`: destroys the stack's objects. The namespace and the in-cluster database's
 * claim are retained on purpose; the closing note says how to drop the data.
 */
import { runCommand } from "../lib/cli";
import { log, step } from "../lib/log";
import { liveOutput, openSession } from "../lib/session";

runCommand("down", async (invocation) => {
  const { stack, target } = await openSession(invocation);
  // Read before the destroy, which empties the outputs: the database claim, if any, is named in the note.
  const before = await stack.outputs();
  const claim: unknown = before.databaseClaim?.value;
  const claimNamespace: unknown = before.namespace?.value;
  step("pulumi destroy");
  await stack.destroy(liveOutput());
  log(
    `\nStack "${invocation.stack}" is destroyed; its state and config stay (remove with \`npx pulumi stack rm ${invocation.stack}\`).`,
  );
  log(
    typeof claim === "string" && claim !== "" && typeof claimNamespace === "string"
      ? "Note: the in-cluster database volume is retained on purpose, so its data survives a later `npm run up`. " +
          `To drop it: kubectl --context ${target.kubeContext} -n ${claimNamespace} delete pvc ${claim}`
      : "Note: an in-cluster database volume, when the stack has one, is retained on purpose; delete its PVC to drop the data.",
  );
  return 0;
});
