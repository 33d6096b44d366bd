#!/usr/bin/env node
// A stand-in for the Pulumi CLI in test/scripts/interrupt.test.ts: `version` answers; `up` runs until
// interrupted and, like pkg/backend/cancellation_scope.go, cancels on the first SIGINT/SIGTERM and terminates
// on the second. Every signal it gets is appended to $FAKE_PULUMI_SIGNALS, one a line; its pid to $FAKE_PULUMI_PIDS.
"use strict";
const fs = require("fs");
const { setInterval, setTimeout } = require("timers");

if (process.argv[2] === "version") {
  console.log("v3.265.0");
  process.exit(0);
}
const record = (sig) => fs.appendFileSync(process.env.FAKE_PULUMI_SIGNALS, `${sig}\n`);
let received = 0;
const onSignal = (sig) => {
  record(sig);
  received++;
  const shown = sig === "SIGTERM" ? "SIGTERM" : "^C";
  if (received === 1) {
    process.stdout.write(
      `${shown} received; cancelling. If you would like to terminate immediately, press ^C again.\n`,
    );
    setTimeout(() => {
      process.stdout.write("error: update canceled\n");
      process.exit(255);
    }, 400);
  } else {
    process.stdout.write(`${shown} received; terminating\n`);
    process.exit(255);
  }
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.stdout.write("fake-pulumi: started\n");
if (process.env.FAKE_PULUMI_PIDS) {
  fs.appendFileSync(process.env.FAKE_PULUMI_PIDS, `${process.pid}\n`);
}
// FAKE_PULUMI_UP_MS: an update that finishes by itself after that long (test/scripts/dev), unless interrupted.
const upMs = Number(process.env.FAKE_PULUMI_UP_MS ?? "");
if (upMs > 0) {
  setTimeout(() => {
    if (received === 0) {
      process.stdout.write("fake-pulumi: update done\n");
      process.exit(0);
    }
  }, upMs);
}
setInterval(() => undefined, 1000);
