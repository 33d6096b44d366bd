// Entry point that `pulumi preview --policy-pack policy` runs. It only wires the rules into a PolicyPack: the
// constructor starts the analyzer's gRPC server, so nothing else (least of all a test) should import this file.
import { PolicyPack } from "@pulumi/policy";

import { policies } from "./rules";

new PolicyPack("todo-app", { policies });
