import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeBuildContext, contextWarnings, hashBuildContext } from "../../images/contextHash";
import { ignoreFileFor } from "../../images/dockerignore";
import { copyOwnApp, type OwnAppCopy } from "../support/contextFixtures";

// The team's repository: both images built from its root, each Dockerfile copying only its own folder, and this
// program living in phase4/infra with its stack files and state directory beside it.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "own-app-tags-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
function ownApp(): OwnAppCopy {
  const parent = path.join(scratch, `copy-${copies++}`);
  fs.mkdirSync(parent);
  return copyOwnApp(parent);
}

function tags(repo: OwnAppCopy): { backend: string; frontend: string } {
  return {
    backend: hashBuildContext(repo.spec("backend")),
    frontend: hashBuildContext(repo.spec("frontend")),
  };
}

/** A Dockerfile of the test's own, inside the copy's phase4/docker, built from the repository root. */
function dockerfileIn(
  repo: OwnAppCopy,
  name: string,
  content: string,
): { context: string; dockerfile: string } {
  const dockerfile = path.join(repo.root, "phase4", "docker", name, "Dockerfile");
  fs.mkdirSync(path.dirname(dockerfile), { recursive: true });
  fs.writeFileSync(dockerfile, content);
  return { context: repo.root, dockerfile };
}

describe("the tags of the team's two images", () => {
  it("read only each service's own folder", () => {
    const repo = ownApp();
    expect(analyzeBuildContext(repo.spec("backend")).readPaths).toEqual([
      "phase2/backend",
      "phase2/backend/requirements.txt",
    ]);
    expect(analyzeBuildContext(repo.spec("frontend")).readPaths).toEqual([
      "phase2/frontend",
      "phase2/frontend/package*.json",
    ]);
  });

  it("do not move when the Pulumi state, the stack files or files no Dockerfile reads change", () => {
    const repo = ownApp();
    const before = tags(repo);
    repo.write("phase4/infra/.pulumi-state/.pulumi/stacks/own-app-infra/dev.json", '{"version": 3}\n');
    repo.write("phase4/infra/.pulumi-state/.pulumi/history/dev-1.json", "{}\n");
    repo.write("phase4/infra/Pulumi.dev.yaml", "config:\n  todo-app-infra:frontendPort: 3001\n");
    repo.write("phase4/infra/index.ts", "export {};\n");
    repo.write("README.md", "# own app\n");
    repo.write(".env", "BETTER_AUTH_SECRET=rotated\n");
    repo.write("phase3/notes.md", "not built\n");
    expect(tags(repo)).toEqual(before);
  });

  it("move only the frontend tag on an edit in phase2/frontend, only the backend tag on one in phase2/backend", () => {
    const repo = ownApp();
    const first = tags(repo);
    repo.write(
      "phase2/frontend/src/app/page.tsx",
      "export default function Home() { return <main>v2</main>; }\n",
    );
    const second = tags(repo);
    expect(second.frontend).not.toBe(first.frontend);
    expect(second.backend).toBe(first.backend);

    repo.write("phase2/backend/main.py", "from fastapi import FastAPI\n\napp = FastAPI(title='v2')\n");
    const third = tags(repo);
    expect(third.backend).not.toBe(second.backend);
    expect(third.frontend).toBe(second.frontend);
  });

  it("move when a file matching a wildcard source appears", () => {
    const repo = ownApp();
    const before = tags(repo);
    repo.write("phase2/frontend/package-lock.json", '{"lockfileVersion": 3}\n');
    expect(tags(repo).frontend).not.toBe(before.frontend);
  });

  it("follow a wildcard source exactly: files beside the matches do not count", () => {
    const repo = ownApp();
    const spec = dockerfileIn(repo, "deps", "FROM python:3.11-slim\nCOPY phase2/*/requirements.txt /r/\n");
    const before = hashBuildContext(spec);
    repo.write("phase2/backend/main.py", "changed\n");
    repo.write("phase2/frontend/requirements.txt.bak", "not matched\n");
    expect(hashBuildContext(spec)).toBe(before);
    repo.write("phase2/backend/requirements.txt", "fastapi==0.116.0\n");
    expect(hashBuildContext(spec)).not.toBe(before);
  });

  it("follow a build arg that names the folder", () => {
    const repo = ownApp();
    const content = "FROM python:3.11-slim\nARG APP=phase2/backend\nCOPY ${APP}/ /app\n";
    const spec = dockerfileIn(repo, "arg", content);
    expect(analyzeBuildContext(spec).readPaths).toEqual(["phase2/backend"]);
    expect(analyzeBuildContext({ ...spec, buildArgs: { APP: "phase2/frontend" } }).readPaths).toEqual([
      "phase2/frontend",
    ]);
  });
});

describe("a Dockerfile that copies the whole context", () => {
  it("still moves on any change the ignore file lets through, and not on ignored ones", () => {
    const repo = ownApp();
    const spec = dockerfileIn(repo, "all", "FROM node:20\nCOPY . .\n");
    const before = hashBuildContext(spec);
    repo.write("node_modules/left-pad/index.js", "ignored by the root .dockerignore\n");
    repo.write(".git/HEAD", "ref: refs/heads/main\n");
    expect(hashBuildContext(spec)).toBe(before);
    repo.write("phase3/notes.md", "read by COPY . .\n");
    expect(hashBuildContext(spec)).not.toBe(before);
  });

  it("is the answer whenever a path cannot be resolved, e.g. an ARG without a known value", () => {
    const repo = ownApp();
    const spec = dockerfileIn(repo, "unknown", "FROM python:3.11-slim\nARG APP\nCOPY ${APP}/ /app\n");
    const analysis = analyzeBuildContext(spec);
    expect(analysis.readPaths).toEqual(["."]);
    expect(analysis.wholeContextReason).toMatch(/line 3 \(COPY\).*\$\{APP\}/);
    const before = analysis.hash;
    repo.write("phase3/notes.md", "anything the build might read\n");
    expect(hashBuildContext(spec)).not.toBe(before);
  });

  it.skipIf(process.platform === "win32")(
    "is the answer when a read path is a symlink, which BuildKit follows",
    () => {
      const repo = ownApp();
      fs.symlinkSync("backend", path.join(repo.root, "phase2", "api"));
      const spec = dockerfileIn(repo, "link", "FROM python:3.11-slim\nCOPY phase2/api/ /app\n");
      const analysis = analyzeBuildContext(spec);
      expect(analysis.readPaths).toEqual(["."]);
      expect(analysis.wholeContextReason).toMatch(/phase2\/api.*symlink/);
      repo.write("phase2/backend/main.py", "edited behind the link\n");
      expect(hashBuildContext(spec)).not.toBe(analysis.hash);
    },
  );
});

describe("instructions that read nothing from the context", () => {
  it("leave --from copies and ADD URLs out of the tag", () => {
    const repo = ownApp();
    const spec = dockerfileIn(
      repo,
      "remote",
      [
        "FROM node:20 AS build",
        "COPY phase2/frontend/package.json ./",
        "FROM node:20",
        "COPY --from=build /phase2/backend /app",
        "ADD https://example.com/phase2/backend/main.py /app/",
      ].join("\n"),
    );
    expect(analyzeBuildContext(spec).readPaths).toEqual(["phase2/frontend/package.json"]);
    const before = hashBuildContext(spec);
    repo.write("phase2/backend/main.py", "not read: the paths above name a stage and a URL\n");
    expect(hashBuildContext(spec)).toBe(before);
  });

  it("count a RUN --mount=type=bind source as read", () => {
    const repo = ownApp();
    const spec = dockerfileIn(
      repo,
      "mount",
      "FROM python:3.11-slim\nRUN --mount=type=bind,source=phase2/backend,target=/src pip install /src\n",
    );
    expect(analyzeBuildContext(spec).readPaths).toEqual(["phase2/backend"]);
    const before = hashBuildContext(spec);
    repo.write("phase2/frontend/package.json", "{}\n");
    expect(hashBuildContext(spec)).toBe(before);
    repo.write("phase2/backend/requirements.txt", "fastapi==0.116.0\n");
    expect(hashBuildContext(spec)).not.toBe(before);
  });
});

describe("the ignore file", () => {
  // Precedence as read in the upstream source:
  // - pulumi/pulumi-docker `provider/provider.go`, `getIgnorePatterns`: tries `dockerfilePath + ".dockerignore"`
  //   ("Prefer <Dockerfile>.dockerignore if it's present"), then `<context>/.dockerignore`, and returns the first
  //   that exists. `dockerBuild` in `provider/image.go` (the `docker.Image` resource, routed to the native provider
  //   by `provider/hybrid.go`) builds the context tarball with those patterns.
  // - moby/buildkit `frontend/dockerui/config.go`: `ReadEntrypoint` reads `<filename>.dockerignore` beside the
  //   Dockerfile; `dockerIgnorePatterns` reads the context's `.dockerignore` only when that found nothing.
  it("is <Dockerfile>.dockerignore when there is one, winning over the root .dockerignore", () => {
    const repo = ownApp();
    const spec = dockerfileIn(repo, "all", "FROM node:20\nCOPY . .\n");
    expect(ignoreFileFor(repo.root, spec.dockerfile)).toEqual({
      path: path.join(repo.root, ".dockerignore"),
      exists: true,
    });
    repo.write("phase4/infra/local.txt", "x\n");
    const withRootIgnore = hashBuildContext(spec);

    // The per-Dockerfile file replaces the root one entirely: node_modules is no longer ignored, phase4 is.
    repo.write("phase4/docker/all/Dockerfile.dockerignore", "phase4\n");
    expect(analyzeBuildContext(spec).ignoreFile.path).toBe(`${spec.dockerfile}.dockerignore`);
    const withOwnIgnore = hashBuildContext(spec);
    expect(withOwnIgnore).not.toBe(withRootIgnore);
    repo.write("phase4/infra/local.txt", "ignored now\n");
    expect(hashBuildContext(spec)).toBe(withOwnIgnore);
    repo.write("node_modules/pkg/index.js", "included now\n");
    expect(hashBuildContext(spec)).not.toBe(withOwnIgnore);
  });
});

describe("warnings about deployment files in an image", () => {
  it("name the state directory, stack files and .env files a COPY . . would read, and the line to add", () => {
    const repo = ownApp();
    repo.write(".env", "BETTER_AUTH_SECRET=never-printed\n");
    repo.write("phase2/backend/.env.local", "DATABASE_URL=never-printed\n");
    repo.write("phase2/backend/.env.example", "DATABASE_URL=\n");
    const spec = dockerfileIn(repo, "all", "FROM node:20\nCOPY . .\n");
    const warnings = contextWarnings(spec);
    expect(warnings).toEqual([
      'The image would include the env file ".env", which usually holds secrets. Add the line ".env" to ' +
        ".dockerignore to leave it out of the build context.",
      'The image would include the env file "phase2/backend/.env.local", which usually holds secrets. Add the ' +
        'line "phase2/backend/.env.local" to .dockerignore to leave it out of the build context.',
      'The image would include the Pulumi state directory "phase4/infra/.pulumi-state", which every update ' +
        "rewrites (so the tag would change on every update) and which holds the stacks' encrypted secrets. Add " +
        'the line "phase4/infra/.pulumi-state" to .dockerignore to leave it out of the build context.',
      'The image would include the Pulumi stack file "phase4/infra/Pulumi.dev.yaml". Add the line ' +
        '"phase4/infra/Pulumi.dev.yaml" to .dockerignore to leave it out of the build context.',
      'The image would include the Pulumi project file "phase4/infra/Pulumi.yaml". Add the line ' +
        '"phase4/infra/Pulumi.yaml" to .dockerignore to leave it out of the build context.',
    ]);
    expect(warnings.join("\n")).not.toContain("never-printed");
  });

  it("name the per-Dockerfile ignore file when that is the one Docker uses, and a new one when there is none", () => {
    const repo = ownApp();
    const spec = dockerfileIn(repo, "all", "FROM node:20\nCOPY phase4/infra/ /infra/\n");
    repo.write("phase4/docker/all/Dockerfile.dockerignore", "node_modules\n");
    const own = contextWarnings(spec);
    expect(own).toHaveLength(3);
    expect(own[0]).toContain(
      'Add the line "phase4/infra/.pulumi-state" to phase4/docker/all/Dockerfile.dockerignore',
    );
    fs.rmSync(path.join(repo.root, "phase4/docker/all/Dockerfile.dockerignore"));
    fs.rmSync(path.join(repo.root, ".dockerignore"));
    expect(contextWarnings(spec)[0]).toContain("to a new .dockerignore");
  });

  it("stay silent when the files are ignored, and when no Dockerfile reads them", () => {
    const repo = ownApp();
    repo.write(".env", "SECRET=x\n");
    expect(contextWarnings(repo.spec("backend"))).toEqual([]);
    expect(contextWarnings(repo.spec("frontend"))).toEqual([]);
    const spec = dockerfileIn(repo, "all", "FROM node:20\nCOPY . .\n");
    repo.write(".dockerignore", "node_modules\n.next\n.git\n**/.pulumi-state\n**/Pulumi*.yaml\n**/.env\n");
    expect(contextWarnings(spec)).toEqual([]);
  });
});
