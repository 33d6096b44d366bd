/** The stack file is read before the Pulumi CLI is found, only to know which tools the stack needs. */
import { describe, expect, it } from "vitest";

import { stackTarget } from "../../scripts/lib/minikube";
import { toolNeeds } from "../../scripts/lib/prerequisites";
import { UserError } from "../../scripts/lib/errors";
import { stackFileConfig } from "../../scripts/lib/stackFile";

describe("stackFileConfig", () => {
  it("reads plain settings in the shape getAllConfig returns, leaving secure values out", () => {
    const text = [
      "encryptionsalt: v1:abc",
      "config:",
      "  todo-app:kubeContext: kind-dev",
      "  todo-app:replicas: 3",
      "  todo-app:cohereApiKey:",
      "    secure: v1:xyz",
    ].join("\n");
    expect(stackFileConfig(text)).toEqual({
      "todo-app:kubeContext": { value: "kind-dev" },
      "todo-app:replicas": { value: "3" },
    });
  });

  it("takes a missing or empty file as the defaults", () => {
    expect(stackFileConfig(undefined)).toEqual({});
    expect(stackFileConfig("")).toEqual({});
  });

  it("refuses a file that is not valid YAML, naming the file, line and column, never the line's text", () => {
    const text =
      "config:\n  todo-app:kubeContext: minikube\n todo-app:databaseUrl: postgresql://u:hunter2@db/todo\n";
    expect(() => stackFileConfig(text, "Pulumi.dev.yaml")).toThrow(UserError);
    let message = "";
    try {
      stackFileConfig(text, "Pulumi.dev.yaml");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /^Pulumi\.dev\.yaml is not valid YAML \(line 3, column 1: All mapping items must start at the same column/,
    );
    expect(message).not.toContain("hunter2");
    expect(message).toContain("nothing was started");
  });

  it("lets the prerequisite check ask for docker and kind, not minikube, on a kind stack", () => {
    const target = stackTarget(
      stackFileConfig("config:\n  todo-app:kubeContext: kind-dev\n"),
      undefined,
      "/h/.minikube",
    );
    expect(toolNeeds("up", target)).toEqual({ kind: true, minikube: false, docker: true, kubectl: true });
    const fresh = stackTarget(stackFileConfig(undefined), undefined, "/h/.minikube");
    expect(toolNeeds("preview", fresh)).toEqual({
      kind: false,
      minikube: true,
      docker: false,
      kubectl: false,
    });
  });
});
