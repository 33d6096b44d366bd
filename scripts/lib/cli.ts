/**
 * The entry point of every stack command: parse the command line, run the command, and turn its outcome into
 * an exit code and a message. `--help`/`-h` prints the usage and exits 0 before anything is probed. A UserError
 * prints alone (it already says what to do); anything else is a failed Pulumi command, explained by
 * explainPulumiError. An interrupted Pulumi operation (InterruptedError) exits 130 once its state is printed.
 */
import { type Command, type Invocation, USAGE, isHelpRequest, parseInvocation } from "./args";
import { UserError } from "./errors";
import { InterruptedError } from "./interrupt";
import { explainPulumiError } from "./workspace";

export function runCommand(command: Command, main: (invocation: Invocation) => Promise<number>): void {
  let invocation: Invocation;
  try {
    const parsed = parseInvocation([command, ...process.argv.slice(2)], process.env);
    if (isHelpRequest(parsed)) {
      console.log(USAGE);
      process.exit(0);
    }
    invocation = parsed;
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  main(invocation).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof InterruptedError) {
        // The state of the stack is printed already (scripts/lib/interrupt.ts).
        console.error(error.message);
        process.exit(error.exitCode);
      }
      if (error instanceof UserError) {
        console.error(`\n${error.message}`);
      } else {
        console.error(`\n${invocation.command} failed:\n${explainPulumiError(error)}`);
      }
      process.exit(1);
    },
  );
}
