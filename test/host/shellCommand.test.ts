import { parse } from "shell-quote";
import { describe, expect, it } from "vitest";

import { shellCommand } from "../../host/shellCommand";
import { runProgram } from "../support/program";

describe("a command shown to the user", () => {
  it("reads as typed when every argument is a plain word", () => {
    expect(
      shellCommand(["kubectl", "--context", "kind-dev", "port-forward", "svc/todo-frontend", "3000:3000"]),
    ).toBe("kubectl --context kind-dev port-forward svc/todo-frontend 3000:3000");
  });

  it.each(["kind-dev; touch /tmp/x #", "a b", "it's", "$(id)", "`id`", "x\ny", "a|b&c>d"])(
    "keeps %j one argument when a shell parses it back",
    (name) => {
      const argv = ["kubectl", "--context", name, "get", "pods"];
      expect(parse(shellCommand(argv))).toEqual(argv);
    },
  );

  it("quotes the context in the frontendUrlCommand output, which users paste into a shell", async () => {
    const context = "desktop; touch /tmp/x #";
    const run = await runProgram({
      config: { kubeContext: context, buildTarget: "docker", databaseUrl: "postgresql://u:p@h:5432/d" },
    });
    const argv = parse(run.outputs.frontendUrlCommand as string);
    expect(argv.slice(0, 3)).toEqual(["kubectl", "--context", context]);
    expect(argv.every((a) => typeof a === "string")).toBe(true);
  });
});
