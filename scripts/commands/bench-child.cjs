// One measurement of scripts/commands/bench.ts, in a fresh Node process so no module is already cached.
//   node scripts/commands/bench-child.cjs sdk                 time to load the SDK classes the program uses
//   node scripts/commands/bench-child.cjs program <how>       time to evaluate index.ts the way Pulumi's nodejs runtime
//                                                    loads it (ts-node registered first, as the runtime does)
//                                                    until every output has resolved, under the SDK's mock
//                                                    monitor. <how>: "pulumi" (tsconfig.pulumi.json as is:
//                                                    transpile-only through SWC), "transpile" (TypeScript's
//                                                    own transpiler), "typecheck" (full type checking)
// Prints one JSON line: {"ms": <milliseconds>}.
"use strict";
const path = require("path");

const root = path.resolve(__dirname, "../..");
const mode = process.argv[2];
const now = () => Number(process.hrtime.bigint()) / 1e6;

function loadSdk() {
  const pulumi = require("@pulumi/pulumi");
  const k8s = require("@pulumi/kubernetes");
  const docker = require("@pulumi/docker");
  const random = require("@pulumi/random");
  const command = require("@pulumi/command");
  // The provider packages load their modules lazily: touch exactly the classes index.ts creates.
  void [
    pulumi.ComponentResource,
    pulumi.StackReference,
    k8s.Provider,
    k8s.core.v1.NamespacePatch,
    k8s.core.v1.Secret,
    k8s.core.v1.ConfigMap,
    k8s.core.v1.Service,
    k8s.apps.v1.Deployment,
    k8s.apps.v1.StatefulSet,
    k8s.policy.v1.PodDisruptionBudget,
    k8s.networking.v1.NetworkPolicy,
    docker.Provider,
    docker.Image,
    random.RandomPassword,
    command.local.Command,
  ];
  return pulumi;
}

async function main() {
  if (mode === "sdk") {
    const start = now();
    loadSdk();
    console.log(JSON.stringify({ ms: now() - start }));
    return;
  }
  if (mode !== "program") throw new Error(`unknown mode ${mode}`);
  // What the nodejs runtime does before it loads the program (sdk/nodejs/cmd/run/run.ts): register ts-node
  // with the project's tsconfig, transpile-only when that tsconfig sets noCheck. Not timed: it is the
  // runtime's fixed cost, paid before any program runs.
  process.chdir(root);
  const how = process.argv[3] ?? "pulumi";
  const overrides = how === "pulumi" ? {} : { swc: false };
  require("ts-node").register({
    transpileOnly: how !== "typecheck",
    project: path.join(root, "tsconfig.pulumi.json"),
    skipProject: false,
    compilerOptions: {},
    ...overrides,
  });
  const start = now();
  const pulumi = require("@pulumi/pulumi");
  pulumi.runtime.setAllConfig({
    // A stack that needs no minikube, so nothing outside this process is asked anything.
    "todo-app:kubeContext": "docker-desktop",
    "todo-app:buildTarget": "docker",
  });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state = { ...args.inputs };
        if (args.type === "pulumi:pulumi:StackReference") state.outputs = {};
        if (args.type.startsWith("kubernetes:") && state.metadata && !state.metadata.name) {
          state.metadata = { ...state.metadata, name: `${args.name}-x` };
        }
        if (args.type === "random:index/randomPassword:RandomPassword") state.result = "x".repeat(48);
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "todo-app",
    "bench",
    true,
    "organization",
  );
  const program = require(path.join(root, "index.ts"));
  await Promise.all(
    Object.values(program)
      .filter((v) => pulumi.Output.isInstance(v))
      .map((v) => v.promise()),
  );
  console.log(JSON.stringify({ ms: now() - start }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
