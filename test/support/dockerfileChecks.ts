/**
 * Checks a Dockerfile against the team contract (multi-stage, overridable pinned base, numeric non-root user,
 * exec-form CMD, the service port, no secrets in ARG/ENV, dependency manifests before the source, nothing
 * distribution-specific in the final stage, and the build args that let another app than the reference one be
 * built: the backend's ASGI module, the frontend's NEXT_PUBLIC_* variables).
 *
 * It works on the syntax tree from `dockerfile-ast`, the parser behind the Docker VS Code extension, so line
 * continuations, JSON forms, flags such as `--from` and parser directives are read as Docker reads them; a
 * regular expression over the raw text would misread all of those. Each check returns findings instead of
 * throwing, so a test can show that every single rule fires on a Dockerfile that breaks it.
 */
import {
  DockerfileParser,
  type Arg,
  type Env,
  type From,
  type Instruction,
  type JSONInstruction,
} from "dockerfile-ast";

/** The rules of the contract, one identifier each, so tests can assert which rule a finding comes from. */
export type RuleId =
  | "multi-stage"
  | "pinned-base"
  | "base-arg-name"
  | "numeric-user"
  | "exec-form-cmd"
  | "expose-port"
  | "no-secret-names"
  | "manifest-before-source"
  | "no-distro-tools-in-final-stage"
  | "app-module-arg"
  | "public-env-arg";

/** One broken rule, with the (one-based) line it was found on. */
export interface Finding {
  readonly rule: RuleId;
  readonly line: number;
  readonly message: string;
}

/** What the contract says about one service's image. */
export interface ServiceSpec {
  /** The service's name, for messages. */
  readonly service: string;
  /** The one port the image exposes. */
  readonly port: number;
  /** The build arg that names the base image (so a machine without a registry can substitute a stand-in). */
  readonly baseImageArg: string;
  /** The dependency manifests that must be copied, and installed from, before the source. */
  readonly manifests: readonly string[];
  /**
   * The build arg naming the ASGI app (`module:attribute`) the server runs: declared before the first FROM with
   * the reference app's default, carried into the final stage's environment, never written into its CMD.
   */
  readonly appModuleArg?: string;
  /**
   * The build arg of `NEXT_PUBLIC_<NAME>=<value>` lines: declared in the stage that runs `next build`, before
   * that build, and written to `.env.production.local`, the env file `next build` reads first.
   */
  readonly publicEnvArg?: string;
}

export const BACKEND: ServiceSpec = {
  service: "backend",
  port: 7860,
  baseImageArg: "PYTHON_IMAGE",
  manifests: ["requirements.txt"],
  appModuleArg: "APP_MODULE",
};

export const FRONTEND: ServiceSpec = {
  service: "frontend",
  port: 3000,
  baseImageArg: "NODE_IMAGE",
  manifests: ["package.json", "package-lock.json"],
  publicEnvArg: "NEXT_PUBLIC_ENV",
};

/**
 * Name fragments that mark a value which must never be baked into an image: build args end up in the image
 * history and ENV values in its config, both readable by anyone who can pull the image.
 */
const SECRET_NAME_PARTS = ["SECRET", "PASSWORD", "TOKEN", "KEY", "DATABASE_URL"];

/** Commands that tie the final image to one distribution; they belong in a build stage or a base image. */
const DISTRO_TOOLS = new Set([
  "apt-get",
  "apt",
  "apk",
  "dpkg",
  "yum",
  "dnf",
  "microdnf",
  "useradd",
  "adduser",
  "groupadd",
  "addgroup",
]);

/** The uid and gid the pods run as are above this, so they never coincide with a user of the base image. */
const MIN_ID = 10000;

interface Stage {
  readonly from: From;
  readonly instructions: readonly Instruction[];
}

/** One-based line of an instruction, for messages a person can follow in an editor. */
function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

/** Splits the instructions into build stages, each starting at its FROM (instructions before the first are ARGs). */
function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { from: From; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === "FROM") stages.push({ from: instruction as From, instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** Whether an instruction with a JSON form (CMD, ENTRYPOINT, RUN, COPY) was written in it. */
function isExecForm(instruction: JSONInstruction): boolean {
  return (
    instruction.getOpeningBracket() !== null &&
    instruction.getClosingBracket() !== null &&
    instruction.getJSONStrings().length > 0
  );
}

/** The words of an instruction: the JSON strings in exec form, else the parser's whitespace-split arguments. */
function wordsOf(instruction: Instruction): string[] {
  const json = instruction as Partial<JSONInstruction>;
  if (typeof json.getOpeningBracket === "function" && isExecForm(instruction as JSONInstruction)) {
    return (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
  }
  return instruction.getArguments().map((a) => a.getValue());
}

/**
 * The variable an image reference consists of, if it is exactly `$NAME` or `${NAME}`: the only forms that let a
 * build arg replace the whole base image.
 */
function soleVariable(from: From): string | null {
  const image = from.getImage();
  const variables = from.getVariables();
  if (image === null || variables.length !== 1) return null;
  const name = variables[0].getName();
  return image === `$${name}` || image === `\${${name}}` ? name : null;
}

/** Why an image reference is not pinned, or null when it names an image by a version tag. */
function unpinnedReason(reference: string): string | null {
  if (reference.includes("$")) return `"${reference}" refers to another variable`;
  // Parsing `FROM <reference>` reuses the parser's own understanding of registry, name, tag and digest.
  const from = DockerfileParser.parse(`FROM ${reference}\n`).getFROMs()[0];
  if (from === undefined || !from.getImageName()) return `"${reference}" is not an image reference`;
  const tag = from.getImageTag();
  if (tag === null)
    return `"${reference}" has no tag, so it means whatever "latest" is on the day of the build`;
  if (tag === "latest") return `"${reference}" is pinned to "latest", which moves`;
  return null;
}

/** Whether a COPY source (a path or glob in the context) names the manifest file `name`. */
function sourceMatchesManifest(source: string, name: string): boolean {
  const clean = source.replace(/^\.\//, "");
  // Dockerfile globs follow Go's filepath.Match; `*` and `?` cover what manifests are copied with in practice.
  const pattern = clean
    .split("")
    .map((ch) => (ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(name);
}

/** The context sources of a COPY or ADD (everything but flags and the destination), or null for `--from` copies. */
function contextSources(instruction: Instruction): string[] | null {
  const flags = (instruction as Partial<JSONInstruction>).getFlags?.() ?? [];
  if (flags.some((flag) => flag.getName() === "from")) return null;
  return wordsOf(instruction).slice(0, -1);
}

/** The commands a RUN line invokes, split at shell operators and stripped of any directory. */
function commandWords(run: Instruction): string[] {
  return wordsOf(run)
    .flatMap((word) => word.split(/[;&|()`'"]+/))
    .filter((word) => word !== "")
    .map((word) => word.slice(word.lastIndexOf("/") + 1));
}

function checkStagesAndBases(
  stages: readonly Stage[],
  initialArgs: readonly Arg[],
  spec: ServiceSpec,
): Finding[] {
  const findings: Finding[] = [];
  if (stages.length < 2) {
    findings.push({
      rule: "multi-stage",
      line: stages[0] ? lineOf(stages[0].from) : 1,
      message: `${spec.service}: ${stages.length} FROM found; a multi-stage build (at least 2) keeps build tools out of the image`,
    });
  }
  const priorStages = new Set<string>();
  for (const { from } of stages) {
    const line = lineOf(from);
    const image = from.getImage() ?? "";
    const variable = soleVariable(from);
    // Docker compares stage names case-insensitively.
    if (priorStages.has(image.toLowerCase())) {
      // Building on an earlier stage inherits that stage's (checked) base.
    } else if (variable === null) {
      findings.push({
        rule: "pinned-base",
        line,
        message: `${spec.service}: FROM ${image} is neither \${${spec.baseImageArg}} nor an earlier stage, so the base cannot be overridden`,
      });
    } else {
      if (variable !== spec.baseImageArg) {
        findings.push({
          rule: "base-arg-name",
          line,
          message: `${spec.service}: the base image comes from ARG ${variable}; the contract names it ${spec.baseImageArg}`,
        });
      }
      // Only an ARG declared before the first FROM can be used in a FROM line.
      const arg = initialArgs.find((a) => a.getProperty()?.getName() === variable);
      const value = arg?.getProperty()?.getValue() ?? null;
      const reason =
        arg === undefined
          ? `ARG ${variable} is not declared before the first FROM`
          : value === null || value === ""
            ? `ARG ${variable} has no default, so a plain docker build fails`
            : unpinnedReason(value);
      if (reason !== null) {
        findings.push({ rule: "pinned-base", line, message: `${spec.service}: ${reason}` });
      }
    }
    const stageName = from.getBuildStage();
    if (stageName !== null) priorStages.add(stageName.toLowerCase());
  }
  return findings;
}

function checkFinalStage(final: Stage, spec: ServiceSpec): Finding[] {
  const findings: Finding[] = [];
  const byKeyword = (keyword: string) => final.instructions.filter((i) => i.getKeyword() === keyword);

  const users = byKeyword("USER");
  const lastUser = users.at(-1);
  if (lastUser === undefined) {
    findings.push({
      rule: "numeric-user",
      line: lineOf(final.from),
      message: `${spec.service}: the final stage has no USER, so the image runs as its base's user (root)`,
    });
  } else {
    const value = lastUser.getArguments()[0]?.getValue() ?? "";
    const ids = value.split(":");
    const numericAbove = (id: string) => /^\d+$/.test(id) && Number(id) > MIN_ID;
    if (ids.length > 2 || !ids.every(numericAbove)) {
      findings.push({
        rule: "numeric-user",
        line: lineOf(lastUser),
        message: `${spec.service}: the final stage runs as USER ${value}; it must be numeric above ${MIN_ID} (10001:10001) so runAsNonRoot can verify it`,
      });
    }
  }

  for (const keyword of ["CMD", "ENTRYPOINT"]) {
    const instruction = byKeyword(keyword).at(-1) as JSONInstruction | undefined;
    if (instruction === undefined) {
      if (keyword === "CMD") {
        findings.push({
          rule: "exec-form-cmd",
          line: lineOf(final.from),
          message: `${spec.service}: the final stage has no CMD of its own`,
        });
      }
    } else if (!isExecForm(instruction)) {
      findings.push({
        rule: "exec-form-cmd",
        line: lineOf(instruction),
        message: `${spec.service}: ${keyword} is in shell form; exec form (a JSON array) lets the server get SIGTERM directly`,
      });
    }
  }

  const exposes = byKeyword("EXPOSE");
  const ports = exposes.flatMap((e) => e.getArguments().map((a) => a.getValue().replace(/\/tcp$/, "")));
  if (ports.length !== 1 || ports[0] !== String(spec.port)) {
    findings.push({
      rule: "expose-port",
      line: exposes[0] ? lineOf(exposes[0]) : lineOf(final.from),
      message: `${spec.service}: the final stage exposes [${ports.join(", ")}]; the service port is ${spec.port}`,
    });
  }

  for (const run of byKeyword("RUN")) {
    const tools = commandWords(run).filter((word) => DISTRO_TOOLS.has(word));
    if (tools.length > 0) {
      findings.push({
        rule: "no-distro-tools-in-final-stage",
        line: lineOf(run),
        message: `${spec.service}: the final stage runs ${[...new Set(tools)].join(", ")}; do that in a build stage (the pod needs no user name)`,
      });
    }
  }
  return findings;
}

function checkSecretNames(instructions: readonly Instruction[], spec: ServiceSpec): Finding[] {
  const findings: Finding[] = [];
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    if (keyword !== "ARG" && keyword !== "ENV") continue;
    const names =
      keyword === "ARG"
        ? [(instruction as Arg).getProperty()?.getName() ?? ""]
        : (instruction as Env).getProperties().map((p) => p.getName());
    for (const name of names) {
      const part = SECRET_NAME_PARTS.find((p) => name.toUpperCase().includes(p));
      if (part !== undefined) {
        findings.push({
          rule: "no-secret-names",
          line: lineOf(instruction),
          message: `${spec.service}: ${keyword} ${name} looks like a secret (${part}); secrets reach the pod through a Kubernetes Secret, never the image`,
        });
      }
    }
  }
  return findings;
}

function checkManifestsFirst(instructions: readonly Instruction[], spec: ServiceSpec): Finding[] {
  const copied = new Set<string>();
  let installedAfterManifests = false;
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === "RUN" && copied.size > 0) installedAfterManifests = true;
    if (keyword !== "COPY" && keyword !== "ADD") continue;
    const sources = contextSources(instruction);
    if (sources === null || sources.length === 0) continue;
    const manifestsHere = spec.manifests.filter((m) => sources.some((s) => sourceMatchesManifest(s, m)));
    const onlyManifests = sources.every((s) => spec.manifests.some((m) => sourceMatchesManifest(s, m)));
    if (onlyManifests) {
      manifestsHere.forEach((m) => copied.add(m));
      installedAfterManifests = false;
      continue;
    }
    // The first COPY that brings in anything besides the manifests is the source copy: from here on every
    // source edit invalidates the cache, so the dependency install must already have happened.
    const missing = spec.manifests.filter((m) => !copied.has(m));
    if (missing.length > 0) {
      return [
        {
          rule: "manifest-before-source",
          line: lineOf(instruction),
          message: `${spec.service}: ${keyword} ${sources.join(" ")} brings in the source before ${missing.join(" and ")}, so every source edit reinstalls the dependencies`,
        },
      ];
    }
    if (!installedAfterManifests) {
      return [
        {
          rule: "manifest-before-source",
          line: lineOf(instruction),
          message: `${spec.service}: no RUN installs the dependencies between copying ${spec.manifests.join(" and ")} and copying the source`,
        },
      ];
    }
    return [];
  }
  return [
    {
      rule: "manifest-before-source",
      line: 1,
      message: `${spec.service}: no COPY of the source from the build context was found`,
    },
  ];
}

/** uvicorn's `module:attribute` form, as a CMD word that would pin the app whatever the build arg says. */
const ASGI_APP_WORD = /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/;

/** The ARG instructions of a stage that declare `name`. */
function argsNamed(instructions: readonly Instruction[], name: string): Arg[] {
  return instructions.filter(
    (i): i is Arg => i.getKeyword() === "ARG" && (i as Arg).getProperty()?.getName() === name,
  );
}

function checkAppModuleArg(
  initialArgs: readonly Arg[],
  final: Stage | undefined,
  spec: ServiceSpec,
): Finding[] {
  const name = spec.appModuleArg;
  if (name === undefined || final === undefined) return [];
  const finding = (line: number, message: string): Finding[] => [
    { rule: "app-module-arg", line, message: `${spec.service}: ${message}` },
  ];
  const declared = initialArgs.find((a) => a.getProperty()?.getName() === name);
  const value = declared?.getProperty()?.getValue() ?? null;
  if (declared === undefined) {
    return finding(
      1,
      `no ARG ${name} before the first FROM, so another app than the reference one cannot be run`,
    );
  }
  if (value === null || !ASGI_APP_WORD.test(value)) {
    return finding(
      lineOf(declared),
      `ARG ${name} needs a default of the form module:attribute (the reference app's); it has ${JSON.stringify(value)}`,
    );
  }
  // A global ARG is visible in a stage only once the stage declares it again.
  const redeclared = argsNamed(final.instructions, name).at(0);
  const carried = final.instructions.some(
    (i) =>
      i.getKeyword() === "ENV" &&
      redeclared !== undefined &&
      lineOf(i) > lineOf(redeclared) &&
      (i as Env).getVariables().some((v) => v.getName() === name),
  );
  if (!carried) {
    return finding(
      lineOf(final.from),
      `the final stage does not carry ARG ${name} into an ENV (declare ARG ${name} in it, then ENV ...=\${${name}}), so the server cannot see it at run time`,
    );
  }
  for (const keyword of ["CMD", "ENTRYPOINT"]) {
    const instruction = final.instructions.filter((i) => i.getKeyword() === keyword).at(-1);
    const pinned = instruction && wordsOf(instruction).find((word) => ASGI_APP_WORD.test(word));
    if (instruction && pinned !== undefined) {
      return finding(
        lineOf(instruction),
        `${keyword} names the app ${pinned} itself, so ARG ${name} is ignored`,
      );
    }
  }
  return [];
}

/** Whether a RUN runs `next build`, directly (`next build`, `npx next build`) or through `npm run build`. */
function runsNextBuild(run: Instruction): boolean {
  const words = wordsOf(run)
    .flatMap((w) => w.split(/\s+/))
    .filter((w) => w !== "");
  return words.some(
    (w, i) =>
      ((w === "next" || w.endsWith("/next")) && words[i + 1] === "build") ||
      (w === "npm" && words[i + 1] === "run" && words[i + 2] === "build"),
  );
}

function checkPublicEnvArg(stages: readonly Stage[], spec: ServiceSpec): Finding[] {
  const name = spec.publicEnvArg;
  if (name === undefined) return [];
  const finding = (line: number, message: string): Finding[] => [
    { rule: "public-env-arg", line, message: `${spec.service}: ${message}` },
  ];
  const stage = stages.find((s) => s.instructions.some((i) => i.getKeyword() === "RUN" && runsNextBuild(i)));
  if (stage === undefined)
    return finding(1, "no RUN runs next build, so there is nowhere to check ARG " + name);
  const build = stage.instructions.find((i) => i.getKeyword() === "RUN" && runsNextBuild(i))!;
  const declared = argsNamed(stage.instructions, name).find((a) => lineOf(a) <= lineOf(build));
  if (declared === undefined) {
    return finding(
      lineOf(build),
      `the stage running next build does not declare ARG ${name} before it; a build only sees the build args its stage declares`,
    );
  }
  const writes = stage.instructions.some(
    (i) =>
      i.getKeyword() === "RUN" &&
      lineOf(i) >= lineOf(declared) &&
      lineOf(i) <= lineOf(build) &&
      i.getTextContent().includes(name) &&
      i.getTextContent().includes(".env.production.local"),
  );
  if (!writes) {
    return finding(
      lineOf(build),
      `no RUN between ARG ${name} and next build writes it to .env.production.local, so next build never sees it`,
    );
  }
  return [];
}

/**
 * Checks a Dockerfile's text against the contract for one service.
 *
 * @returns every rule it breaks, in the order of the checks; an empty array when it keeps them all.
 */
export function checkDockerfile(text: string, spec: ServiceSpec): Finding[] {
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const stages = stagesOf(instructions);
  const final = stages.at(-1);
  return [
    ...checkStagesAndBases(stages, dockerfile.getInitialARGs(), spec),
    ...(final ? checkFinalStage(final, spec) : []),
    ...checkSecretNames(instructions, spec),
    ...checkManifestsFirst(instructions, spec),
    ...checkAppModuleArg(dockerfile.getInitialARGs(), final, spec),
    ...checkPublicEnvArg(stages, spec),
  ];
}

/** Renders findings one per line, for a failure message that can be acted on without rerunning anything. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `  line ${f.line} [${f.rule}] ${f.message}`).join("\n");
}
