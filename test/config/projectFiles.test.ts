/**
 * Pulumi.yaml, the stack files and the README stay in step with the settings the program reads
 * (config/keys.ts): a key the program reads but Pulumi.yaml does not declare would be invisible to
 * `pulumi config`, and one the README does not document is a setting nobody finds.
 */
import * as fs from "fs";
import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as ts from "typescript";
import * as YAML from "yaml";

import { CONFIG_KEYS, CONFIG_KEY_NAMES } from "../../config/keys";
import { PROJECT_DIR } from "../support/program";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

interface DeclaredKey {
  type: string;
  description: string;
  default: unknown;
  value?: unknown;
}

describe("Pulumi.yaml", () => {
  const project = YAML.parse(read("Pulumi.yaml")) as {
    name: string;
    runtime: { name: string; options?: Record<string, unknown> };
    config: Record<string, DeclaredKey>;
  };

  it("is the todo-app project on the nodejs runtime running TypeScript", () => {
    expect(project.name).toBe("todo-app");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.runtime.options?.typescript).toBe(true);
  });

  it("declares exactly the settings the program reads, with their type, description and default", () => {
    expect(Object.keys(project.config).sort()).toEqual([...CONFIG_KEY_NAMES].sort());
    for (const key of CONFIG_KEY_NAMES) {
      const declared = project.config[key];
      const spec = CONFIG_KEYS[key];
      expect(declared.type, key).toBe(spec.type);
      // Or, instead of the default, a value this repository's stacks share (the CLI forbids both).
      if (declared.value === undefined) expect(declared.default, key).toEqual(spec.default);
      expect(declared.description, key).toContain(spec.description);
      if (spec.type === "array") {
        // Pulumi's project schema requires `items` for an array (sdk/go/common/workspace/project.json,
        // configTypeDeclaration: if type is array then items is required).
        expect((declared as { items?: unknown }).items, key).toEqual({ type: "string" });
      }
    }
  });

  it("tells how to set each secret with --secret, and gives none a non-empty default", () => {
    for (const key of CONFIG_KEY_NAMES.filter((k) => (CONFIG_KEYS[k] as { secret?: boolean }).secret)) {
      expect(project.config[key].description).toContain(`npm run pulumi -- config set --secret ${key}`);
      expect(project.config[key].default).toBe("");
    }
  });
});

describe("the commands the project's files and messages tell a user to run", () => {
  // A bare `pulumi` looks for the user's default backend, not this project's state (.pulumi-state or
  // PULUMI_BACKEND_URL): every instruction goes through `npm run pulumi -- ...`, which points it there.
  const tsUnder = (dir: string) =>
    fs
      .readdirSync(path.join(PROJECT_DIR, dir))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => `${dir}/${f}`);
  const sources = [
    "Pulumi.yaml",
    "index.ts",
    ...["config", "guards", "host", "scripts/lib", "scripts/commands", "components"].flatMap(tsUnder),
  ];

  it.each(["README.md", "policy/README.md", "app/backend/README.md"])(
    "%s shows no bare `pulumi <command>` to run, only `npm run pulumi -- <command>`",
    (file) => {
      // Code blocks and inline code: a command a user would copy.
      const commands = [...read(file).matchAll(/`([^`\n]+)`|^(?:\$ )?(pulumi [a-z].*)$/gm)].map(
        (m) => m[1] ?? m[2],
      );
      // A command line to copy has arguments (`pulumi config set x`, `pulumi up --yes`); a bare `pulumi up` in
      // prose names the operation.
      const bare = commands.filter((c) => {
        const words = c.trim().split(/\s+/);
        return (
          words[0] === "pulumi" &&
          /^(up|preview|destroy|config|stack|refresh|cancel|state)$/.test(words[1] ?? "") &&
          (words.length >= 3 || c.includes("--"))
        );
      });
      expect(bare).toEqual([]);
    },
  );

  it.each(sources)("%s says `npm run pulumi -- config ...`, never a bare `pulumi config ...`", (file) => {
    // Comments may name the command; what a user reads is strings and YAML values.
    const text = file.endsWith(".ts")
      ? read(file)
          .split("\n")
          .filter((line) => !/^\s*(\/\/|\*|\/\*\*)/.test(line))
          .join("\n")
      : read(file);
    expect(text).not.toMatch(/(?<!npm run )\bpulumi config (set|rm|get)\b/);
    expect(text).not.toMatch(/`pulumi up`/);
  });

  it("says in Pulumi.ci.yaml what the workflow really does: no secret set, a Docker daemon needed", () => {
    const comments = read("Pulumi.ci.yaml");
    expect(comments).not.toMatch(/sets a throwaway databaseUrl/);
    expect(comments).toMatch(/the preview needs a running one/);
  });
});

describe("start-up", () => {
  // tsconfig files are JSON with comments: parsed the way TypeScript (and Pulumi's runtime) parse them.
  const parse = (file: string) =>
    (file.endsWith(".json")
      ? ts.parseConfigFileTextToJson(file, read(file)).config
      : YAML.parse(read(file))) as Record<string, any>;

  it("has the Pulumi runtime load the program transpile-only through SWC (tsconfig.pulumi.json)", () => {
    const project = parse("Pulumi.yaml");
    expect(project.runtime.options.tsconfig).toBe("tsconfig.pulumi.json");
    const pulumiTsconfig = parse("tsconfig.pulumi.json");
    expect(pulumiTsconfig.extends).toBe("./tsconfig.json");
    expect(pulumiTsconfig.compilerOptions.noCheck).toBe(true);
    expect(pulumiTsconfig["ts-node"].swc).toBe(true);
  });

  it("still type-checks everything in npm test (tsconfig.json never skips checking)", () => {
    const tsconfig = parse("tsconfig.json");
    expect(tsconfig.compilerOptions.noCheck).toBeUndefined();
    expect(tsconfig.compilerOptions.strict).toBe(true);
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.test).toMatch(/^tsc --noEmit && /);
  });
});

describe("stack files", () => {
  const stackFiles = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

  // A developer's stack file gains their encryptionsalt and encrypted secrets on the first run: it is theirs,
  // and git must not offer it to `git commit -a`. Shared stacks are committed.
  it("leave a developer's own stack files to git's ignore list, and track the shared ones", () => {
    const ignored = (file: string) =>
      spawnSync("git", ["check-ignore", "-q", "--no-index", file], { cwd: PROJECT_DIR }).status === 0;
    expect(ignored("Pulumi.dev.yaml")).toBe(true);
    expect(ignored("Pulumi.dev-alice.yaml")).toBe(true);
    expect(ignored("Pulumi.ci.yaml")).toBe(false);
    expect(ignored("Pulumi.cloud.example.yaml")).toBe(false);
    expect(ignored("Pulumi.prod.yaml")).toBe(false);
  });

  it.each(stackFiles)("%s sets only known keys and no secret in plaintext", (file) => {
    const stack = YAML.parse(read(file)) as { config?: Record<string, unknown> };
    for (const [key, value] of Object.entries(stack.config ?? {})) {
      const name = key.replace(/^todo-app:/, "");
      if (key.startsWith("todo-app:")) {
        expect(CONFIG_KEY_NAMES as string[], key).toContain(name);
      }
      if ((CONFIG_KEYS as Record<string, { secret?: boolean }>)[name]?.secret) {
        expect(value, `${key} must be { secure: ... }`).toMatchObject({ secure: expect.any(String) });
      }
    }
  });
});

describe("README", () => {
  const readme = read("README.md");

  it("documents every setting", () => {
    for (const key of CONFIG_KEY_NAMES) {
      expect(readme, key).toContain(`\`${key}\``);
    }
  });

  it("shows the deploy and test commands on its first screen", () => {
    const firstScreen = readme.split("\n").slice(0, 40).join("\n");
    expect(firstScreen).toContain("npm ci && npm run up");
    expect(firstScreen).toContain("npm ci && npm test");
  });

  it("names, in .ci/run, the same test command", () => {
    const ci = read(".ci/run");
    expect(ci).toMatch(/npm ci/);
    expect(ci).toMatch(/npm test/);
  });
});
