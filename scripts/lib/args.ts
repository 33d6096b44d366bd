/**
 * The command line of the stack commands (scripts/commands/) and the stack it works on. `npm run up -- --stack prod`
 * reaches this as `["up", "--stack", "prod"]`.
 */
import { BACKEND, FRONTEND, PROJECT_NAME } from "../../catalog";
import { UserError } from "./errors";

export const COMMANDS = ["up", "down", "preview", "dev"] as const;
export type Command = (typeof COMMANDS)[number];

export const DEFAULT_STACK = "dev";

export interface Invocation {
  readonly command: Command;
  /** As given: `dev`, `org/dev` or `org/project/dev`; handed to Pulumi unchanged. */
  readonly stack: string;
  /** Where the stack name came from, printed so a user sees why a stack was chosen. */
  readonly stackSource: "--stack" | "PULUMI_STACK" | "default";
  /** `down --delete-unreachable`: forget the objects of a remote cluster that does not answer. */
  readonly deleteUnreachable: boolean;
  /** `dev` only: the loop's own options. */
  readonly dev?: DevOptions;
}

/** What `npm run dev` takes besides the stack. */
export interface DevOptions {
  /** The localhost port the frontend is forwarded to. Default: the frontend's own port. */
  readonly frontendPort: number;
  /** The localhost port the backend is forwarded to, when it is (`--forward-backend` or `--backend-port`). */
  readonly backendPort?: number;
  /** Destroy the stack on exit (for throwaway stacks); by default it stays up. */
  readonly downOnExit: boolean;
}

/** `--help` or `-h`: print USAGE and exit 0, whatever else the command line holds. */
export interface HelpRequest {
  readonly command: Command;
  readonly help: true;
}

export const USAGE = `Usage: npm run up|preview|down|dev [-- OPTIONS]

Commands (each works on one stack, chosen as below):
  npm run up        check the prerequisites, start minikube when the stack deploys to it, build the images,
                    deploy, print the URL and run the health checks
  npm run preview   the same checks, then show what up would change; deploys nothing
  npm run down      destroy the stack's objects; the namespace and the database volume are kept, and the
                    state and Pulumi.<stack>.yaml stay
  npm run dev       what up does, then until Ctrl-C: watch exactly the files each image reads (saves
                    debounced 100 ms; ignored, unread and editor temporary files never count), rebuild and
                    roll out only the service whose files changed (a change to the program or the stack
                    file: a full update), one timing line per cycle, the frontend forwarded to a fixed
                    localhost port, both services' logs streamed with a service and pod prefix. A failed
                    build or rollout is shown (its last lines, the failing pods' events and logs) and the
                    last good version keeps serving. Ctrl-C stops everything it started, lets an update in
                    progress cancel, prints what is deployed and exits 130; the stack stays up unless
                    --down-on-exit
  npm run pulumi -- ARGS
                    any Pulumi CLI command on the same state (config set --secret KEY, stack output, ...)

Options:
  -s, --stack NAME        the stack: NAME, or fully qualified ORG/NAME or ORG/${PROJECT_NAME}/NAME (with the
                          default file backend ORG is "organization"). Default: $PULUMI_STACK, else ${DEFAULT_STACK}.
  --delete-unreachable    down only: when a remote cluster does not answer, remove its objects from the state
                          without deleting them (a deleted minikube, kind or Docker Desktop cluster needs no flag)
  --frontend-port PORT    dev only: the localhost port the frontend is forwarded to (default ${FRONTEND.port})
  --forward-backend       dev only: forward the backend too, to localhost:${BACKEND.port}
  --backend-port PORT     dev only: forward the backend to this localhost port (implies --forward-backend)
  --down-on-exit          dev only: destroy the stack's objects when the loop ends (throwaway stacks)
  -h, --help              print this and exit

Environment:
  PULUMI_STACK                    the stack, when --stack is not given
  PULUMI_BACKEND_URL              where the state lives (default: file://<project>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE        the passphrase of the stack's secrets, or PULUMI_CONFIG_PASSPHRASE_FILE naming a
                                  file that holds it; without either it is asked on the terminal
  KUBECONFIG                      the kubeconfig files (default: ~/.kube/config), unless the stack sets kubeconfig
  MINIKUBE_HOME                   minikube's home (default: ~/.minikube)
  PULUMI_HOME, PULUMI_VERSION     where the pulumi npm package keeps the CLI it downloads, and which version`;

/** Pulumi's rule for each part of a stack name (tokens.IsName): letters, digits, `-`, `_` and `.`, at most 100. */
export function isValidStackName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(name);
}

/**
 * Why a stack reference Pulumi would reject is wrong, or undefined when it is fine. Pulumi's backends accept
 * `stack`, `org/stack` and `org/project/stack` (pkg/backend/diy/store.go and httpstate/backend.go
 * parseStackName); a project part must be this project, or Pulumi refuses it against this Pulumi.yaml.
 */
export function stackNameProblem(reference: string): string | undefined {
  const parts = reference.split("/");
  if (parts.length > 3) {
    return "use NAME, ORG/NAME or ORG/PROJECT/NAME (at most two '/')";
  }
  const labels = [["stack"], ["organization", "stack"], ["organization", "project", "stack"]][
    parts.length - 1
  ];
  for (const [i, part] of parts.entries()) {
    if (!isValidStackName(part)) {
      return (
        `its ${labels[i]} part ${JSON.stringify(part)} is not valid: use letters, digits, '-', '_' and '.', ` +
        "at most 100 characters"
      );
    }
  }
  if (parts.length === 3 && parts[1] !== PROJECT_NAME) {
    return `its project part "${parts[1]}" is not this project: use ${parts[0]}/${PROJECT_NAME}/${parts[2]}`;
  }
  return undefined;
}

/** The stack's own name, the last part of a qualified reference: what `Pulumi.<name>.yaml` is named after. */
export function shortStackName(reference: string): string {
  return reference.split("/").pop() ?? reference;
}

/**
 * The line an argument error ends with: the full USAGE is 30 lines, under which the error itself would scroll
 * out of sight, so only `--help` prints it.
 */
export function helpPointer(command: Command): string {
  return `Run \`npm run ${command} -- --help\` for the options.`;
}

export function isHelpRequest(parsed: Invocation | HelpRequest): parsed is HelpRequest {
  return (parsed as HelpRequest).help === true;
}

export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation | HelpRequest {
  const [command, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(command ?? "")) {
    throw new UserError(
      `Unknown command ${JSON.stringify(command ?? "")}: use ${COMMANDS.join(", ")}.\n${helpPointer("up")}`,
    );
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    return { command: command as Command, help: true };
  }
  let flagStack: string | undefined;
  let deleteUnreachable = false;
  let frontendPort: number = FRONTEND.port;
  let backendPort: number | undefined;
  let downOnExit = false;
  const port = (flag: string, value: string | undefined): number => {
    if (value === undefined || !/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
      throw new UserError(
        `${flag} needs a port number from 1 to 65535, got ${JSON.stringify(value ?? "")}.\n${helpPointer("dev")}`,
      );
    }
    return Number(value);
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--stack" || arg === "-s") {
      flagStack = rest[++i];
      if (flagStack === undefined || flagStack.startsWith("-")) {
        throw new UserError(`${arg} needs a stack name.\n${helpPointer(command as Command)}`);
      }
    } else if (arg.startsWith("--stack=")) {
      flagStack = arg.slice("--stack=".length);
    } else if (arg === "--delete-unreachable" && command === "down") {
      deleteUnreachable = true;
    } else if (command === "dev" && (arg === "--frontend-port" || arg.startsWith("--frontend-port="))) {
      frontendPort = port("--frontend-port", arg.includes("=") ? arg.split("=")[1] : rest[++i]);
    } else if (command === "dev" && (arg === "--backend-port" || arg.startsWith("--backend-port="))) {
      backendPort = port("--backend-port", arg.includes("=") ? arg.split("=")[1] : rest[++i]);
    } else if (command === "dev" && arg === "--forward-backend") {
      backendPort ??= BACKEND.port;
    } else if (command === "dev" && arg === "--down-on-exit") {
      downOnExit = true;
    } else {
      throw new UserError(
        `Unknown argument ${JSON.stringify(arg)} for ${command}.\n${helpPointer(command as Command)}`,
      );
    }
  }
  const envStack = env.PULUMI_STACK?.trim();
  const [stack, stackSource] =
    flagStack !== undefined
      ? ([flagStack, "--stack"] as const)
      : envStack
        ? ([envStack, "PULUMI_STACK"] as const)
        : ([DEFAULT_STACK, "default"] as const);
  const problem = stackNameProblem(stack);
  if (problem) {
    throw new UserError(
      `Stack name ${JSON.stringify(stack)} (from ${stackSource}) is not valid: ${problem}.`,
    );
  }
  if (backendPort !== undefined && backendPort === frontendPort) {
    throw new UserError(
      `--frontend-port and --backend-port are both ${frontendPort}: the two forwards need two ports.`,
    );
  }
  return {
    command: command as Command,
    stack,
    stackSource,
    deleteUnreachable,
    ...(command === "dev" ? { dev: { frontendPort, backendPort, downOnExit } } : {}),
  };
}
