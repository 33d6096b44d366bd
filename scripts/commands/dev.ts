/**
 * `npm run dev [-- --stack NAME] [--forward-backend] [--frontend-port N] [--backend-port N] [--down-on-exit]`:
 * what `npm run up` does (prerequisites, minikube, the first update), then the inner loop of scripts/lib/dev/run.ts
 * until Ctrl-C: a save rebuilds and rolls out only the service whose image reads the file, on the same localhost
 * URL, with both services' logs streaming and one timing line per cycle. The steps after the session are
 * scripts/lib/dev/command.ts.
 */
import { runCommand } from "../lib/cli";
import { runDev } from "../lib/dev/command";
import { openSession } from "../lib/session";

runCommand("dev", async (invocation) => runDev(await openSession(invocation)));
