/**
 * The command line of the stack commands (scripts/commands/) and the stack it works on. `npm run up -- --stack prod` reaches this as
 * `["up", "--stack", "prod"]`.
 */
import { UserError } from "./errors";

export const COMMANDS = ["up", "down", "preview"] as const;
export type Command = (typeof COMMANDS)[number];

export const DEFAULT_STACK = "dev";

export interface Invocation {
  readonly command: Command;
  readonly stack: string;
  /** Where the stack name came from, printed so a user sees why a stack was chosen. */
  readonly stackSource: "--stack" | "PULUMI_STACK" | "default";
}

export const USAGE =
  "Usage: npm run up|down|preview [-- --stack NAME]\n" +
  "  The stack is --stack NAME, else $PULUMI_STACK, else dev.";

/** Pulumi's own rule for a stack name: letters, digits, `-`, `_` and `.`, at most 100 characters. */
export function isValidStackName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(name);
}

export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  const [command, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(command ?? "")) {
    throw new UserError(`Unknown command ${JSON.stringify(command ?? "")}.\n${USAGE}`);
  }
  let flagStack: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--stack" || arg === "-s") {
      flagStack = rest[++i];
      if (flagStack === undefined || flagStack.startsWith("-")) {
        throw new UserError(`${arg} needs a stack name.\n${USAGE}`);
      }
    } else if (arg.startsWith("--stack=")) {
      flagStack = arg.slice("--stack=".length);
    } else {
      throw new UserError(`Unknown argument ${JSON.stringify(arg)}.\n${USAGE}`);
    }
  }
  const envStack = env.PULUMI_STACK?.trim();
  const [stack, stackSource] =
    flagStack !== undefined
      ? ([flagStack, "--stack"] as const)
      : envStack
        ? ([envStack, "PULUMI_STACK"] as const)
        : ([DEFAULT_STACK, "default"] as const);
  if (!isValidStackName(stack)) {
    throw new UserError(
      `Stack name ${JSON.stringify(stack)} (from ${stackSource}) is not valid: use letters, digits, '-', '_' ` +
        "and '.', at most 100 characters.",
    );
  }
  return { command: command as Command, stack, stackSource };
}
