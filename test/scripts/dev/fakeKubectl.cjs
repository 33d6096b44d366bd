#!/usr/bin/env node
// A stand-in for kubectl in the tests of `npm run dev`'s cluster side (test/scripts/dev/*.test.ts) and its
// end-to-end test. It answers from a state file that the test rewrites to play a cluster:
//   FAKE_KUBECTL_STATE  (required) JSON: { "services": ["todo-frontend"], "pods": [FakePod...] }, see fakeCluster.ts
//   FAKE_KUBECTL_PIDS   (optional) every process appends its pid here, one a line, so a test can prove none is left
//   FAKE_KUBECTL_CALLS  (optional) every process appends its arguments here as one JSON array a line
//   FAKE_KUBECTL_POD_TIMEOUT_MS (optional, default 3000) how long port-forward waits for a running pod
// Commands, after the global flags (--context X, --kubeconfig Y, -n/--namespace Z) are taken out:
//   version --client                              prints a client version
//   get pods -l k=v,... -o json                   the matching pods as a PodList
//   get events --field-selector ...name=P -o json the pod's events as an EventList
//   logs [-f] P -c C [--tail N] [--previous]      the pod's logs (or previousLogs); -f then prints each line added to
//                                                 the state and exits when the pod is gone, like the real stream
//   port-forward svc/S L:R --address 127.0.0.1    listens on 127.0.0.1:L, prints "Forwarding from 127.0.0.1:L -> R"
//                                                 as client-go tools/portforward/portforward.go getListener does, and
//                                                 answers every HTTP request with the name of the pod it picked when it
//                                                 started (kubectl pkg/cmd/portforward/portforward.go Complete picks
//                                                 one pod once); it exits when that pod leaves the state.
"use strict";
const fs = require("fs");
const http = require("http");
const { setInterval, setTimeout } = require("timers");

const argv = process.argv.slice(2);
if (process.env.FAKE_KUBECTL_PIDS) {
  fs.appendFileSync(process.env.FAKE_KUBECTL_PIDS, `${process.pid}\n`);
}
if (process.env.FAKE_KUBECTL_CALLS) {
  fs.appendFileSync(process.env.FAKE_KUBECTL_CALLS, `${JSON.stringify(argv)}\n`);
}

const GLOBAL_WITH_VALUE = new Set(["--context", "--kubeconfig", "-n", "--namespace"]);
const WITH_VALUE = new Set([
  "-l",
  "--selector",
  "-o",
  "--output",
  "-c",
  "--container",
  "--tail",
  "--address",
]);
const WITH_VALUE_TOO = new Set(["--field-selector", "--since-time", "--pod-running-timeout"]);
const flags = {};
const words = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const eq = arg.indexOf("=");
  if (arg.startsWith("-") && eq > 0) {
    flags[arg.slice(0, eq)] = arg.slice(eq + 1);
  } else if (GLOBAL_WITH_VALUE.has(arg) || WITH_VALUE.has(arg) || WITH_VALUE_TOO.has(arg)) {
    flags[arg] = argv[++i];
  } else if (arg.startsWith("-")) {
    flags[arg] = true;
  } else {
    words.push(arg);
  }
}
const flag = (...names) => names.map((n) => flags[n]).find((v) => v !== undefined);

function readState() {
  // The test replaces the file by a rename, so a read sees a whole state; an unreadable one reads as the last.
  try {
    readState.last = JSON.parse(fs.readFileSync(process.env.FAKE_KUBECTL_STATE, "utf8"));
  } catch {
    // keep the last state read
  }
  return readState.last || { services: [], pods: [] };
}
const podNamed = (name) => (readState().pods || []).find((p) => p.name === name && !p.deleting);
const fail = (message) => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};
const poll = (fn) => setInterval(fn, 25);

function podObject(p) {
  const containers = p.containers || [{ name: "app" }];
  const ready = p.ready !== false && (p.phase || "Running") === "Running";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      labels: p.labels || {},
      creationTimestamp: p.created || "2026-01-01T00:00:00Z",
      ...(p.deleting ? { deletionTimestamp: "2026-01-01T00:10:00Z" } : {}),
    },
    spec: { containers: containers.map((c) => ({ name: c.name })) },
    status: {
      phase: p.phase || "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready: ready && !c.waiting,
        restartCount: c.restartCount || 0,
        state: c.waiting
          ? { waiting: c.waiting }
          : { running: { startedAt: p.created || "2026-01-01T00:00:00Z" } },
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
      })),
    },
  };
}

function matches(labels, selector) {
  return selector
    .split(",")
    .filter(Boolean)
    .every((term) => {
      const [k, v] = term.split("=");
      return (labels || {})[k] === v;
    });
}

const [verb, ...rest] = words;
if (verb === "version") {
  process.stdout.write("Client Version: v1.34.0-fake\nKustomize Version: v5.7.1\n");
  process.exit(0);
} else if (verb === "get" && rest[0] === "pods") {
  const selector = flag("-l", "--selector") || "";
  const items = (readState().pods || []).filter((p) => matches(p.labels, selector)).map(podObject);
  process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2)}\n`);
  process.exit(0);
} else if (verb === "get" && rest[0] === "events") {
  const selector = flag("--field-selector") || "";
  const name = /involvedObject\.name=([^,]+)/.exec(selector);
  const pod = (readState().pods || []).find((p) => name && p.name === name[1]);
  const items = ((pod && pod.events) || []).map((e, i) => ({
    kind: "Event",
    metadata: { name: `${name[1]}.${i}` },
    involvedObject: { kind: "Pod", name: name[1] },
    type: e.type || "Normal",
    reason: e.reason,
    message: e.message,
    count: e.count || 1,
    lastTimestamp: e.time,
    firstTimestamp: e.time,
  }));
  process.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items })}\n`);
  process.exit(0);
} else if (verb === "logs") {
  runLogs(rest[0]);
} else if (verb === "port-forward") {
  runPortForward(rest[0], rest[1]);
} else {
  fail(`fake kubectl: unsupported command: ${argv.join(" ")}`);
}

function runLogs(podName) {
  const pod = podNamed(podName);
  const container = flag("-c", "--container");
  if (!pod) {
    fail(`Error from server (NotFound): pods "${podName}" not found`);
  }
  const status = (pod.containers || []).find((c) => c.name === container) || {};
  const previous = flag("-p", "--previous") === true;
  if (previous && !status.restartCount) {
    fail(
      `Error from server (BadRequest): previous terminated container "${container}" in pod "${podName}" not found`,
    );
  }
  const source = (p) => (previous ? p.previousLogs : p.logs) || [];
  if (!previous && status.waiting && source(pod).length === 0) {
    fail(
      `Error from server (BadRequest): container "${container}" in pod "${podName}" is waiting to start: ${status.waiting.reason}`,
    );
  }
  const all = source(pod);
  const tail = Number(flag("--tail") ?? -1);
  let printed = all.length;
  const first = tail >= 0 ? all.slice(Math.max(0, all.length - tail)) : all;
  first.forEach((line) => process.stdout.write(`${line}\n`));
  if (flag("-f", "--follow") !== true) {
    process.exit(0);
  }
  poll(() => {
    const now = podNamed(podName);
    if (!now) {
      process.exit(0);
    }
    const lines = source(now);
    lines.slice(printed).forEach((line) => process.stdout.write(`${line}\n`));
    printed = Math.max(printed, lines.length);
  });
}

function runPortForward(target, mapping) {
  const service = (target || "").replace(/^(svc|service)\//, "");
  if (!(readState().services || []).includes(service)) {
    fail(`Error from server (NotFound): services "${service}" not found`);
  }
  const [local, remote] = (mapping || "").split(":").map(Number);
  const address = flag("--address") || "localhost";
  const deadline = Date.now() + Number(process.env.FAKE_KUBECTL_POD_TIMEOUT_MS || 3000);
  const pick = () =>
    (readState().pods || []).find(
      (p) =>
        p.service === service && !p.deleting && (p.phase || "Running") === "Running" && p.ready !== false,
    );
  const waitForPod = () => {
    const pod = pick();
    if (pod) {
      listen(pod.name);
    } else if (Date.now() > deadline) {
      fail("error: timed out waiting for the condition");
    } else {
      setTimeout(waitForPod, 25);
    }
  };
  const listen = (podName) => {
    const host = address === "localhost" ? "127.0.0.1" : address;
    const server = http.createServer((req, res) => {
      process.stdout.write(`Handling connection for ${local}\n`);
      res.setHeader("content-type", "text/plain");
      res.setHeader("connection", "close");
      res.end(podName);
    });
    server.once("error", (error) => {
      process.stderr.write(
        `Unable to listen on port ${local}: Listeners failed to create with the following errors: ` +
          `[unable to create listener: Error listen tcp4 ${host}:${local}: bind: ${error.code === "EADDRINUSE" ? "address already in use" : error.message}]\n`,
      );
      fail(`error: unable to listen on any of the requested ports: [{${local} ${remote}}]`);
    });
    server.listen(local, host, () => {
      process.stdout.write(`Forwarding from ${host}:${local} -> ${remote}\n`);
      poll(() => {
        if (!podNamed(podName)) {
          fail("error: lost connection to pod");
        }
      });
    });
  };
  waitForPod();
}
