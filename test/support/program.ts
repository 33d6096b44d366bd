/**
 * Runs the Pulumi program under the SDK's mock monitor and records what it registers.
 *
 * The mocks act like the providers only where the program depends on it: Kubernetes auto-names objects
 * without `metadata.name` and allocates a NodePort when none is given, and random passwords get a value.
 * Tests assert on the recorded *inputs* the program sent, never on values the mocks invented.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { vi } from "vitest";

import { PROJECT_NAME, qualified } from "../../catalog";
import { SECRET_KEY_NAMES } from "../../config/keys";
import type { Kubeconfig } from "../../host/kubeconfig";
import type { CommandResult } from "../../host/process";
import { type StackValues, cliConfig } from "./cliConfig";

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
  /** The resource options the program passed (protect, retainOnDelete, dependsOn, ...). */
  readonly opts?: Record<string, any>;
}

export interface ProgramRun {
  readonly resources: RegisteredResource[];
  /** The program's exports with every output resolved. */
  readonly outputs: Record<string, unknown>;
  /** Which exports (top-level) are secret. */
  readonly secretOutputs: Set<string>;
  /** Commands the program ran, e.g. `minikube -p minikube docker-env --shell none`. */
  readonly commands: string[];
  byType(type: string): RegisteredResource[];
  one(type: string, name?: string): RegisteredResource;
  /** Errors the program raised after loading (a failed apply), and exports that never resolved. */
  readonly errors: string[];
  /** What the program logged with `pulumi.log.warn`, in order: what a user sees once per preview or update. */
  readonly warnings: string[];
  /** The raw module, for checking secretness of nested outputs. */
  readonly module: Record<string, any>;
}

export interface RunOptions {
  /**
   * The stack file's `todo-app:*` settings, without the namespace, as YAML holds them (text, numbers, booleans,
   * maps, lists). The program receives them as the CLI hands them over, Pulumi.yaml's defaults merged in
   * (test/support/cliConfig.ts); a value the CLI would refuse throws its CliConfigError.
   */
  readonly config?: StackValues;
  /** false: Pulumi.yaml's shared values replaced by the program's defaults (see cliConfig's sharedValues). */
  readonly sharedValues?: boolean;
  /** Keys of `config` the stack stores encrypted. Default: every key the program declares as secret. */
  readonly secretKeys?: string[];
  readonly stack?: string;
  readonly preview?: boolean;
  /** Stubbed `minikube` and other commands. Default: minikube is running at 192.168.49.2. */
  readonly run?: (command: string, args: readonly string[]) => CommandResult;
  readonly kubeconfig?: Kubeconfig;
  /** The outputs of this stack's last update, as a StackReference to itself reads them. Default: none (first update). */
  readonly previousOutputs?: Record<string, unknown>;
  /** How long to wait for each export before recording it as never resolved. Default: 5 s. */
  readonly outputTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export const PROJECT_DIR = path.resolve(__dirname, "../..");

export const MINIKUBE_DOCKER_ENV = [
  "DOCKER_TLS_VERIFY=1",
  "DOCKER_HOST=tcp://192.168.49.2:2376",
  "DOCKER_CERT_PATH=/home/dev/.minikube/certs",
  "MINIKUBE_ACTIVE_DOCKERD=minikube",
  "",
].join("\n");

export function minikubeRunning(command: string): CommandResult {
  if (command === "minikube") {
    return { status: 0, stdout: MINIKUBE_DOCKER_ENV, stderr: "" };
  }
  return { status: null, stdout: "", stderr: "", error: new Error(`spawn ${command} ENOENT`) };
}

export { DATABASE_URL } from "./stacks";

const SECRET_CONFIG = new Set<string>(SECRET_KEY_NAMES);

/**
 * Imports the program fresh (after the mocks, as the SDK requires) and waits for every output.
 * Throws what the program throws, so validation errors can be asserted.
 */
export async function runProgram(options: RunOptions = {}): Promise<ProgramRun> {
  vi.resetModules();
  const pulumi = await import("@pulumi/pulumi");
  const stackValues = options.config ?? {};
  const config = cliConfig(stackValues, {
    secretKeys: options.secretKeys ?? Object.keys(stackValues).filter((k) => SECRET_CONFIG.has(k)),
    stackName: options.stack,
    sharedValues: options.sharedValues,
  });
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config.values).map(([k, v]) => [qualified(k), v])),
    config.secretKeys.map(qualified),
  );

  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, any>;
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          provider: args.provider,
          get opts() {
            return optsByName.get(`${args.type}::${args.name}`);
          },
        });
        if (args.type === "pulumi:pulumi:StackReference") {
          return {
            id: String(inputs.name),
            state: { name: inputs.name, outputs: options.previousOutputs ?? {}, secretOutputNames: [] },
          };
        }
        return { id: `${args.name}-id`, state: providerState(args.type, args.name, inputs) };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT_NAME,
    options.stack ?? "dev",
    options.preview ?? false,
    "organization",
  );

  // The mocks' callback does not see resource options; the mock monitor's request does. Wrapping its
  // registerResource records the options the program asked the engine for (retainOnDelete, protect, ...).
  const optsByName = new Map<string, Record<string, any>>();
  const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { getMonitor(): any };
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    optsByName.set(`${req.getType()}::${req.getName()}`, {
      retainOnDelete: req.getRetainondelete(),
      protect: req.getProtect(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      dependencies: req.getDependenciesList(),
    });
    return register(req, callback);
  };

  const commands: string[] = [];
  const run = options.run ?? minikubeRunning;
  const actualMachine = await vi.importActual<typeof import("../../host/machine")>("../../host/machine");
  vi.doMock("../../host/machine", () => ({
    ...actualMachine,
    PROJECT_DIR,
    localMachine: () => ({
      projectDir: PROJECT_DIR,
      env: options.env ?? {},
      homedir: "/home/dev",
      run: (command: string, args: readonly string[]) => {
        commands.push([command, ...args].join(" "));
        return run(command, args);
      },
      // Contexts and Dockerfiles are the repository's real ones.
      exists: (file: string) => fs.existsSync(file),
      kindOf: actualMachine.fileKindOf,
      readable: actualMachine.isReadable,
      readKubeconfig: () => options.kubeconfig,
    }),
  }));

  const errors: string[] = [];
  const onRejection = (reason: unknown) =>
    errors.push(reason instanceof Error ? reason.message : String(reason));
  process.on("unhandledRejection", onRejection);
  const warnings: string[] = [];
  const restoreWarn = recordWarnings(pulumi.log, warnings);
  let module: Record<string, any>;
  try {
    module = (await import("../../index")) as Record<string, any>;
  } catch (error) {
    restoreWarn();
    throw new ProgramError(error as Error, resources);
  }
  const outputs: Record<string, unknown> = {};
  const secretOutputs = new Set<string>();
  // Every export is awaited at once, against one deadline: an export that depends on a refused step never
  // resolves, and waiting for each in turn would multiply the wait.
  const deadline = new Promise<{ pending: true }>((resolve) =>
    setTimeout(() => resolve({ pending: true }), options.outputTimeoutMs ?? 5000),
  );
  await Promise.all(
    Object.entries(module).map(async ([key, value]) => {
      if (!pulumi.Output.isInstance(value)) {
        outputs[key] = value;
        return;
      }
      // `promise()` is the SDK's own (internal) way to await an Output; it rejects when an apply threw.
      const settled = await Promise.race([
        (value as unknown as { promise(): Promise<unknown> }).promise().then(
          (v) => ({ value: v }),
          (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
        ),
        deadline,
      ]);
      if ("value" in settled) {
        outputs[key] = settled.value;
        if (await isSecret(value)) secretOutputs.add(key);
      } else if ("error" in settled) {
        errors.push(`${key}: ${settled.error}`);
      } else {
        errors.push(`${key}: never resolved`);
      }
    }),
  );
  // Outputs resolve before every child registration has been recorded; let the queue drain.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off("unhandledRejection", onRejection);
  restoreWarn();

  return {
    resources,
    errors,
    warnings,
    outputs,
    secretOutputs,
    commands,
    module,
    byType: (type) => resources.filter((r) => r.type === type),
    one(type, name) {
      const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0];
    },
  };
}

/**
 * Records what the program logs with `pulumi.log.warn`. Under the mock monitor the SDK prints each warning to the
 * console (it has no engine to send it to), so every run of a stack that warns printed it again: the sslmode
 * warning alone dozens of times per `npm test`. Only a test that spies on the console still gets them there;
 * the others read `run.warnings`.
 */
function recordWarnings(log: typeof import("@pulumi/pulumi").log, warnings: string[]): () => void {
  const warn = log.warn;
  log.warn = (message, ...rest) => {
    warnings.push(message);
    return vi.isMockFunction(console.warn) ? warn(message, ...rest) : Promise.resolve();
  };
  return () => {
    log.warn = warn;
  };
}

/** The program threw while loading; carries what had been registered by then (for "nothing deployed" checks). */
export class ProgramError extends Error {
  constructor(
    readonly cause: Error,
    readonly registered: RegisteredResource[],
  ) {
    super(cause.message);
  }
}

/** Runs the program expecting it to fail; returns the error and what had been registered. */
export async function runProgramError(options: RunOptions = {}): Promise<ProgramError> {
  try {
    await runProgram(options);
  } catch (error) {
    if (error instanceof ProgramError) return error;
    throw error;
  }
  throw new Error("expected the program to fail, but it succeeded");
}

/** The marker the SDK's serializer puts on a secret value (`sig` of a secret). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded input value was sent to the engine as a Pulumi secret. */
export function isSecretInput(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === SECRET_SIG
  );
}

/** The plain value inside a recorded input, secret or not. */
export function unwrap<T = any>(value: unknown): T {
  return (isSecretInput(value) ? (value as { value: unknown }).value : value) as T;
}

/** A recorded input with every secret inside it unwrapped: the object as the API server would receive it. */
export function unwrapDeep(value: unknown): unknown {
  const plain = unwrap(value);
  if (Array.isArray(plain)) return plain.map(unwrapDeep);
  if (plain && typeof plain === "object") {
    return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, unwrapDeep(v)]));
  }
  return plain;
}

/** What a real provider would add to the state: only what the program reads back. */
function providerState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const state: Record<string, any> = { ...inputs };
  if (type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
    state.metadata = { ...inputs.metadata, name: `${name}-autoname` };
  }
  if (type === "kubernetes:core/v1:Service" && inputs.spec?.type === "NodePort") {
    state.spec = {
      ...inputs.spec,
      ports: inputs.spec.ports.map((p: any) => ({ ...p, nodePort: p.nodePort ?? 31999 })),
    };
  }
  if (type === "docker:index/image:Image") {
    state.repoDigest = mockRepoDigest(String(inputs.imageName), inputs.skipPush === true);
  }
  if (type === "random:index/randomPassword:RandomPassword") {
    state.result = "r".repeat(inputs.length ?? 16);
  }
  return state;
}

/**
 * What pulumi-docker's Image reports as `repoDigest` (pulumi/pulumi-docker provider/image.go, dockerBuild): for
 * an image it pushed, the repository without its tag and the manifest digest the push reported
 * (parseRepoDigestFromAux: `reference.WithDigest(reference.TrimNamed(imageName), digest)`); for one it did not
 * push (skipPush), the local image ID alone (`imageInspect.ID`). The digest is derived from the name, so two
 * different images get two different digests, as a registry's would.
 */
export function mockRepoDigest(imageName: string, skipPush: boolean): string {
  const hash = crypto.createHash("sha256").update(imageName).digest("hex");
  if (skipPush) return `sha256:${hash}`;
  const slash = imageName.lastIndexOf("/");
  const colon = imageName.lastIndexOf(":");
  const repository = colon > slash ? imageName.slice(0, colon) : imageName;
  return `${repository}@sha256:${hash}`;
}

export async function isSecret(output: unknown): Promise<boolean> {
  const pulumi = await import("@pulumi/pulumi");
  return pulumi.isSecret(output as import("@pulumi/pulumi").Output<unknown>);
}
