/**
 * Run by test/scripts/dev/devCommand.test.ts in a child process (node -r ts-node/register/transpile-only), so
 * that a real SIGINT reaches a real `npm run dev`: scripts/lib/cli.ts's runCommand and scripts/lib/dev/run.ts's
 * runDevLoop as dev.ts wires them, with real chokidar on a temporary project, the fake kubectl
 * (fakeKubectl.cjs, found on PATH by findKubectl as the real one is) and, for every update, the fake Pulumi CLI
 * (test/scripts/fakePulumi.cjs) run through the Automation API's own PulumiCommand under scripts/lib/interrupt.ts,
 * as `cancellable` runs `stack.up`. Only what the engine would report is played here: each update emits the
 * engine events of the targeted image and Deployment steps and rolls the fake cluster's pods of the services it
 * targets to new ones.
 *
 * Configured by environment (argv is the dev command line):
 *   DEV_HARNESS_PROJECT   the temporary project root;  DEV_HARNESS_IMAGES  the WatchedImage list, JSON
 *   FAKE_PULUMI_ROOT      the folder with bin/pulumi;  FAKE_KUBECTL_STATE  the fake cluster's state file
 */
import * as fs from "fs";

import { captureRunner } from "../../../host/process";
import { runCommand } from "../../../scripts/lib/cli";
import { type UpdateRequest, contentTag } from "../../../scripts/lib/dev/cycle";
import { devOutputs, runDevLoop } from "../../../scripts/lib/dev/run";
import { serviceOfUrn } from "../../../scripts/lib/dev/targets";
import type { DevService, WatchedImage } from "../../../scripts/lib/dev/types";
import { findKubectl } from "../../../scripts/lib/health";
import { describeStackState, interruptible } from "../../../scripts/lib/interrupt";
import type { FakeState } from "./fakeCluster";
import { fakePulumiUp } from "../fakePulumiCli";
import { deployedState, engineEvents, urn } from "./fixtures";

const images = JSON.parse(process.env.DEV_HARNESS_IMAGES ?? "[]") as WatchedImage[];
const stateFile = process.env.FAKE_KUBECTL_STATE ?? "";
const log = (line: string) => console.log(line);

const readState = (): FakeState => JSON.parse(fs.readFileSync(stateFile, "utf8")) as FakeState;
function writeState(state: FakeState): void {
  const tmp = `${stateFile}.harness.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, stateFile);
}

let generation = 0;
/** A rollout: each service's pods replaced by one new pod, which logs a line naming itself. */
function roll(services: readonly DevService[]): void {
  generation++;
  const state = readState();
  const pods = state.pods.filter(
    (pod) => !services.some((s) => pod.labels["app.kubernetes.io/component"] === s),
  );
  for (const service of services) {
    const name = `todo-${service}-5d8f7b9c4-g${generation}xyz`;
    pods.push({
      name,
      service: `todo-${service}`,
      labels: {
        "app.kubernetes.io/name": `todo-${service}`,
        "app.kubernetes.io/instance": "todo-dev",
        "app.kubernetes.io/component": service,
      },
      containers: [{ name: service }],
      logs: [`started ${name}`],
    });
  }
  writeState({ ...state, pods });
}

async function update(request: UpdateRequest): Promise<void> {
  const services: DevService[] = request.targets
    ? [...new Set(request.targets.map((u) => serviceOfUrn(u, ["backend", "frontend"])))].filter(
        (s): s is DevService => s !== undefined,
      )
    : ["backend", "frontend"];
  await interruptible({
    operation: "update",
    stackName: "dev",
    output: { onOutput: () => undefined, color: "never" },
    graceMs: 3000,
    log,
    run: async (cli) => {
      const now = () => Date.now() / 1000;
      for (const s of services) {
        const image = urn(
          ["todo:app:AppService", "todo:image:ServiceImage", "docker:index/image:Image"],
          `${s}-image`,
        );
        request.onEvent(engineEvents.pre(image, "docker:index/image:Image", "update", now()));
      }
      await fakePulumiUp(process.env.FAKE_PULUMI_ROOT ?? "", cli.onOutput, cli.signal);
      for (const s of services) {
        const image = urn(
          ["todo:app:AppService", "todo:image:ServiceImage", "docker:index/image:Image"],
          `${s}-image`,
        );
        const deployment = urn(["todo:app:AppService", "kubernetes:apps/v1:Deployment"], `${s}-deployment`);
        request.onEvent(engineEvents.outputs(image, "docker:index/image:Image", "update", now()));
        request.onEvent(engineEvents.pre(deployment, "kubernetes:apps/v1:Deployment", "update", now()));
        request.onEvent(engineEvents.outputs(deployment, "kubernetes:apps/v1:Deployment", "update", now()));
      }
      roll(services);
    },
    describeState: () =>
      describeStackState({
        stackName: "dev",
        startedAt: new Date(),
        isAlive: () => false,
        lastUpdate: () => Promise.resolve({ kind: "update", result: "failed", startTime: new Date(0) }),
        locks: () => [],
      }),
  });
}

// What the first deploy deployed: the content tags of the project as it is when the harness starts, as the
// program's own outputs name them (components/serviceImage.ts).
const firstTags = Object.fromEntries(images.map((image) => [image.service, contentTag(image)]));
const outputs = () =>
  devOutputs({
    namespace: { value: "todo-dev" },
    imageSources: { value: Object.fromEntries(images.map((image) => [image.service, image])) },
    backendImage: { value: `todo-backend:${firstTags.backend}` },
    frontendImage: { value: `todo-frontend:${firstTags.frontend}` },
  });

runCommand("dev", async (invocation) => {
  roll(["backend", "frontend"]);
  return runDevLoop({
    stackName: invocation.stack,
    shortStackName: invocation.stack,
    projectDir: process.env.DEV_HARNESS_PROJECT ?? "",
    options: invocation.dev ?? { frontendPort: 3000, downOnExit: false },
    logLevel: "debug",
    outputs: outputs(),
    readOutputs: () => Promise.resolve(outputs()),
    readState: () => Promise.resolve(deployedState()),
    update,
    destroy: () => Promise.resolve(["destroyed (fake)"]),
    kubectl: findKubectl(captureRunner(), { kubeContext: "fake-context" }),
    log,
    write: log,
    debounceMs: 50,
  });
});
