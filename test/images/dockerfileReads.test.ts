import { describe, expect, it } from "vitest";
import { dockerfileReads } from "../../images/dockerfileReads";
import { compileSegment, containsWildcards } from "../../images/globMatch";

/** The paths a Dockerfile reads, failing the test when the analysis fell back to the whole context. */
function reads(dockerfile: string, buildArgs: Record<string, string> = {}): readonly string[] {
  const result = dockerfileReads(dockerfile, buildArgs);
  expect(result.fallback).toBeUndefined();
  return result.paths;
}

/** The reason the analysis gives for hashing the whole context, failing the test when it did not fall back. */
function fallback(dockerfile: string, buildArgs: Record<string, string> = {}): string {
  const result = dockerfileReads(dockerfile, buildArgs);
  expect(result.paths).toEqual(["."]);
  expect(result.fallback).toBeDefined();
  return result.fallback ?? "";
}

describe("the context paths a Dockerfile reads", () => {
  it("are the COPY and ADD sources, whatever flags come first", () => {
    const df = [
      "FROM python:3.11-slim",
      "COPY --chown=10001:10001 --chmod=644 --link phase2/backend/requirements.txt /tmp/",
      "ADD --link --chmod=755 scripts/entrypoint.sh /usr/local/bin/",
      "COPY --exclude=*.pyc --exclude=tests phase2/backend/ /app",
    ].join("\n");
    expect(reads(df)).toEqual(["phase2/backend", "phase2/backend/requirements.txt", "scripts/entrypoint.sh"]);
  });

  it("reads every source of a multi-source COPY and the JSON-array form, spaces included", () => {
    const df = 'FROM node:20\nCOPY a.txt b.txt ./\nCOPY ["my dir/file one", "other", "/dst/"]\n';
    expect(reads(df)).toEqual(["a.txt", "b.txt", "my dir/file one", "other"]);
  });

  it("cleans sources against the context root: leading / and ./, .. and trailing slashes", () => {
    const df = "FROM node:20\nCOPY /abs/x ./rel/y ../../up dir/../other/ /dst/\n";
    expect(reads(df)).toEqual(["abs/x", "other", "rel/y", "up"]);
  });

  it("is the whole context for COPY . . and for a bind mount without a source", () => {
    expect(reads("FROM node:20\nCOPY package.json .\nCOPY . .\n")).toEqual(["."]);
    expect(reads("FROM node:20\nCOPY ./ /app\n")).toEqual(["."]);
    expect(reads("FROM node:20\nRUN --mount=type=bind,target=/src make\n")).toEqual(["."]);
  });

  it("leaves out --from copies, ADD URLs and Git sources", () => {
    const df = [
      "FROM node:20 AS deps",
      "COPY package.json ./",
      "FROM node:20",
      "COPY --from=deps /src/node_modules ./node_modules",
      "COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/",
      "ADD https://example.com/tool.tar.gz /opt/",
      "ADD https://github.com/org/repo.git#v1 /src/repo",
      "ADD git@github.com:org/repo.git /src/other",
      "ADD --checksum=sha256:0123 http://example.com/x /x",
    ].join("\n");
    expect(reads(df)).toEqual(["package.json"]);
  });

  it("reads RUN --mount=type=bind sources, not cache, secret or from= mounts", () => {
    const df = [
      "FROM node:20 AS tools",
      "FROM node:20",
      "RUN --mount=type=bind,source=phase2/backend/requirements.txt,target=/r.txt pip install -r /r.txt",
      "RUN --mount=target=/cfg,src=config,ro make",
      "RUN --mount=type=bind,from=tools,source=/bin,target=/t --mount=type=cache,target=/root/.cache make",
      "RUN --mount=type=secret,id=token --mount=type=tmpfs,target=/tmp make",
    ].join("\n");
    expect(reads(df)).toEqual(["config", "phase2/backend/requirements.txt"]);
  });

  it("keeps wildcards for matching, and takes --parents up to its first wildcard", () => {
    expect(reads("FROM node:20\nCOPY phase2/frontend/package*.json src/[ab]?.ts ./\n")).toEqual([
      "phase2/frontend/package*.json",
      "src/[ab]?.ts",
    ]);
    expect(reads("FROM node:20\nCOPY --parents phase2/./frontend/**/*.json lib/./x /out/\n")).toEqual([
      "lib/x",
      "phase2/frontend",
    ]);
  });
});

describe("ARG and ENV in source paths", () => {
  it("use an ARG default redeclared in the stage, and a build arg over it", () => {
    const df = "ARG APP_DIR=phase2/backend\nFROM python:3.11-slim\nARG APP_DIR\nCOPY ${APP_DIR}/ /app\n";
    expect(reads(df)).toEqual(["phase2/backend"]);
    expect(reads(df, { APP_DIR: "services/api" })).toEqual(["services/api"]);
  });

  it("fall back when a global ARG is used in a stage without being redeclared there", () => {
    const df = "ARG APP_DIR=phase2/backend\nFROM python:3.11-slim\nCOPY ${APP_DIR}/ /app\n";
    expect(fallback(df)).toMatch(/line 3 \(COPY\).*\$\{APP_DIR\}/);
  });

  it("fall back for an ARG without a default or build arg, which the base image's ENV might set", () => {
    expect(fallback("FROM node:20\nARG SRC\nCOPY $SRC /app\n")).toMatch(/no statically known value/);
    // On scratch nothing else can set it: an unset variable expands to nothing, as in BuildKit.
    expect(reads("FROM scratch\nARG SRC\nCOPY ${SRC}app /app\n")).toEqual(["app"]);
  });

  it("use ENV values, expanded in order, and the ${VAR:-default} forms", () => {
    const df = [
      "FROM node:20",
      "ARG BASE=phase2",
      "ENV APP=$BASE/frontend OTHER=${BASE}",
      "ENV LEGACY_FORM phase2/legacy",
      "COPY ${APP}/package.json ${UNSET_HERE:-x} $LEGACY_FORM ./",
    ].join("\n");
    // `UNSET_HERE` is not set by the Dockerfile, and node:20's ENV is unknown, so the default cannot be trusted.
    expect(fallback(df)).toMatch(/UNSET_HERE/);
    expect(reads(df.replace("${UNSET_HERE:-x} ", ""))).toEqual([
      "phase2/frontend/package.json",
      "phase2/legacy",
    ]);
  });

  it("inherit a parent stage's ENV, but not the build platform's automatic ARGs", () => {
    const df = "FROM scratch AS base\nENV SRC=app\nFROM base\nCOPY $SRC /\n";
    expect(reads(df)).toEqual(["app"]);
    expect(fallback("FROM node:20\nARG TARGETARCH\nCOPY bin/$TARGETARCH /bin/\n")).toMatch(/TARGETARCH/);
    expect(
      reads("FROM node:20\nARG TARGETARCH\nCOPY bin/$TARGETARCH /bin/\n", { TARGETARCH: "arm64" }),
    ).toEqual(["bin/arm64"]);
  });

  it("strip quotes as the shell lexer does", () => {
    expect(reads('FROM node:20\nARG D="src"\nCOPY "$D/a" \'$D\' /x/\n')).toEqual(["$D", "src/a"]);
  });
});

describe("what makes the analysis hash the whole context", () => {
  it.each([
    ["a heredoc", "FROM node:20\nCOPY <<EOF /etc/x\nhello\nEOF\n", /heredoc/],
    ["a RUN heredoc", "FROM node:20\nRUN <<EOF\ncp -r /src /app\nEOF\n", /heredoc/],
    ["ONBUILD", "FROM node:20\nONBUILD COPY . /app\n", /ONBUILD/],
    ["a custom frontend", "# syntax=example.com/frontend:1\nFROM node:20\nCOPY a /\n", /frontend/],
    ["an unknown flag", "FROM node:20\nCOPY --frobnicate a /\n", /unknown flag/],
    ["a quoted flag value", 'FROM node:20\nCOPY --exclude="a b" src /\n', /quoted/],
    ["an escaped path", "FROM node:20\nCOPY my\\ dir /\n", /statically known|escaped/],
    ["a malformed wildcard", "FROM node:20\nCOPY src/[a /\n", /wildcard/],
    ["an unknown instruction", "FROM node:20\nFROBNICATE x\n", /not a known instruction/],
    ["no FROM", "COPY . /\n", /before the first FROM/],
    ["an empty Dockerfile", "", /no FROM/],
    ["a source without a destination", "FROM node:20\nCOPY src\n", /source and a destination/],
    ["an unterminated quote", "FROM node:20\nCOPY 'src /app\n", /statically known/],
    ["a quoted --mount", 'FROM node:20\nRUN --mount="type=bind,source=a b",target=/x true\n', /quoted/],
  ])("%s", (_name, df, reason) => {
    expect(fallback(df)).toMatch(reason);
  });

  it("accepts the official frontend in a syntax directive", () => {
    expect(reads("# syntax=docker/dockerfile:1.7\nFROM node:20\nCOPY a /\n")).toEqual(["a"]);
  });
});

describe("wildcard segments, as Go's filepath.Match", () => {
  it.each([
    ["package*.json", "package.json", true],
    ["package*.json", "package-lock.json", true],
    ["package*.json", "package.jsonx", false],
    ["*", ".env", true],
    ["?.ts", "a.ts", true],
    ["?.ts", "ab.ts", false],
    ["[ab].txt", "b.txt", true],
    ["[a-c].txt", "d.txt", false],
    ["[^a-c].txt", "d.txt", true],
    ["\\*.txt", "*.txt", true],
    ["\\*.txt", "a.txt", false],
    ["literal", "literal", true],
  ])("%s against %s: %s", (pattern, name, expected) => {
    const matcher = compileSegment(pattern);
    expect(matcher).not.toBeNull();
    expect(matcher?.(name)).toBe(expected);
  });

  it("rejects the patterns Go rejects, and tells wildcards from escaped characters", () => {
    for (const bad of ["[", "[]", "[a", "[-a]", "[a-]", "x\\"]) expect(compileSegment(bad)).toBeNull();
    expect(containsWildcards("a\\*b")).toBe(false);
    expect(containsWildcards("a[b")).toBe(true);
  });
});
