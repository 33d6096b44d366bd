/**
 * Shared fixtures of the dev-loop tests: a temporary project holding copies of the reference app and its
 * Dockerfiles, the state a deployed stack exports, engine events, and polling instead of fixed sleeps.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import type { StateResource } from "../../../scripts/lib/dev/targets";
import type { WatchedImage } from "../../../scripts/lib/dev/types";

export const REPO = path.resolve(__dirname, "..", "..", "..");

export interface TempProject {
  readonly root: string;
  readonly images: WatchedImage[];
  /** Writes a file (creating its folders) below the project. */
  write(rel: string, content: string): string;
  remove(): void;
}

/**
 * A project folder as a developer's checkout looks: the program's files (only their names matter), tests and
 * scripts, the reference app's two contexts with installed and built folders their ignore files leave out,
 * and the Dockerfiles. Nothing is written into the repository.
 */
export function tempProject(): TempProject {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dev-loop-")));
  const write = (rel: string, content: string): string => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };
  fs.cpSync(path.join(REPO, "app", "backend"), path.join(root, "app", "backend"), { recursive: true });
  fs.cpSync(path.join(REPO, "app", "frontend"), path.join(root, "app", "frontend"), {
    recursive: true,
    // A checkout may hold these; the copies below stand for them.
    filter: (src) => !/[\\/](node_modules|\.next)([\\/]|$)/.test(src),
  });
  fs.cpSync(path.join(REPO, "docker"), path.join(root, "docker"), { recursive: true });
  for (const rel of [
    "index.ts",
    "catalog.ts",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "package.json",
    "tsconfig.json",
  ]) {
    write(rel, `// ${rel}\n`);
  }
  write("config/keys.ts", "export {};\n");
  write("components/appService.ts", "export {};\n");
  write("test/scripts/some.test.ts", "export {};\n");
  write("scripts/commands/up.ts", "export {};\n");
  write("policy/index.ts", "export {};\n");
  write("node_modules/left-pad/index.js", "module.exports = 1;\n");
  write(".pulumi-state/.pulumi/stacks/todo-app/dev.json", "{}\n");
  write("app/frontend/node_modules/react/index.js", "module.exports = 1;\n");
  write("app/frontend/.next/cache/x.json", "{}\n");
  write("app/backend/.venv/bin/python", "#!/bin/sh\n");
  return {
    root,
    images: [
      {
        service: "backend",
        context: path.join(root, "app", "backend"),
        dockerfile: path.join(root, "docker", "backend", "Dockerfile"),
        buildArgs: {},
      },
      {
        service: "frontend",
        context: path.join(root, "app", "frontend"),
        dockerfile: path.join(root, "docker", "frontend", "Dockerfile"),
        buildArgs: {},
      },
    ],
    write,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Polls until `condition` holds (every 5 ms, up to `timeoutMs`), so no test sleeps longer than it must. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A URN as the engine forms it (pulumi/pulumi sdk/go/common/resource/urn/urn.go, New; the parent's qualified
 * type from pkg/resource/deploy/deployment.go, generateURN): `urn:pulumi:<stack>::<project>::` then the
 * parent's whole type chain and the type joined by `$` (the root stack's type is left out), then `::<name>`.
 */
export function urn(typeChain: readonly string[], name: string, stack = "dev"): string {
  return `urn:pulumi:${stack}::todo-app::${typeChain.join("$")}::${name}`;
}

const STACK = urn(["pulumi:pulumi:Stack"], "todo-app-dev");
const APP = "todo:app:AppService";
const IMAGE = "todo:image:ServiceImage";

function serviceResources(name: string, load: boolean): StateResource[] {
  const component = urn([APP], name);
  const image = urn([APP, IMAGE], name);
  const list: StateResource[] = [
    { urn: component, type: APP, parent: STACK },
    { urn: image, type: IMAGE, parent: component },
    {
      urn: urn([APP, IMAGE, "docker:index/image:Image"], `${name}-image`),
      type: "docker:index/image:Image",
      parent: image,
    },
  ];
  if (load) {
    list.push({
      urn: urn([APP, IMAGE, "command:local:Command"], `${name}-kind-load`),
      type: "command:local:Command",
      parent: image,
    });
  }
  for (const [type, role] of [
    ["kubernetes:apps/v1:Deployment", "deployment"],
    ["kubernetes:core/v1:Service", "service"],
    ["kubernetes:policy/v1:PodDisruptionBudget", "pdb"],
    ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "ingress"],
    ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress"],
  ] as const) {
    list.push({ urn: urn([APP, type], `${name}-${role}`), type, parent: component });
  }
  return list;
}

/** The resources `stack.exportStack()` lists for a deployed stack of this program, in state order. */
export function deployedState(options: { load?: boolean } = {}): StateResource[] {
  const load = options.load ?? false;
  return [
    { urn: STACK, type: "pulumi:pulumi:Stack" },
    { urn: urn(["pulumi:providers:kubernetes"], "k8s"), type: "pulumi:providers:kubernetes", parent: STACK },
    { urn: urn(["pulumi:providers:docker"], "docker"), type: "pulumi:providers:docker", parent: STACK },
    {
      urn: urn(["kubernetes:core/v1:NamespacePatch"], "namespace"),
      type: "kubernetes:core/v1:NamespacePatch",
      parent: STACK,
    },
    { urn: urn(["todo:app:AppEnvironment"], "app"), type: "todo:app:AppEnvironment", parent: STACK },
    {
      urn: urn(["todo:app:AppEnvironment", "kubernetes:core/v1:ConfigMap"], "app-config"),
      type: "kubernetes:core/v1:ConfigMap",
      parent: urn(["todo:app:AppEnvironment"], "app"),
    },
    ...serviceResources("backend", load),
    ...serviceResources("frontend", load),
  ];
}

/** Engine events of one resource step, as sdk/nodejs/automation/events.ts shapes them. */
export const engineEvents = {
  pre(urnOf: string, type: string, op: OpType = "update", timestamp = 0): EngineEvent {
    return { sequence: 0, timestamp, resourcePreEvent: { metadata: { op, urn: urnOf, type, provider: "" } } };
  },
  outputs(urnOf: string, type: string, op: OpType = "update", timestamp = 0): EngineEvent {
    return { sequence: 0, timestamp, resOutputsEvent: { metadata: { op, urn: urnOf, type, provider: "" } } };
  },
  failed(urnOf: string, type: string, op: OpType = "update", timestamp = 0): EngineEvent {
    return {
      sequence: 0,
      timestamp,
      resOpFailedEvent: { metadata: { op, urn: urnOf, type, provider: "" }, status: 1, steps: 1 },
    };
  },
  diag(
    urnOf: string | undefined,
    message: string,
    severity: "info" | "error" = "info",
    timestamp = 0,
  ): EngineEvent {
    return {
      sequence: 0,
      timestamp,
      diagnosticEvent: {
        ...(urnOf ? { urn: urnOf } : {}),
        message,
        color: "never",
        severity,
        ephemeral: severity === "info",
      },
    };
  },
};
