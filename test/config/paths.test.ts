/**
 * Every path setting is checked for the right kind of file before anything is registered, naming the key:
 * a context that is a file, a Dockerfile that is a directory, an unreadable file, the file system root or the
 * home directory as a context, a kubeconfig or Docker certificate directory that is not there.
 */
import * as path from "path";
import { afterEach, describe, expect, it, vi } from "vitest";

import { PROJECT_DIR, runProgramError } from "../support/program";
import { load, machine, problemsOf, source } from "./support";

const at = (rel: string) => path.join(PROJECT_DIR, rel);

describe("build contexts and Dockerfiles", () => {
  it("refuses a context that is a file, naming the key and what the path is", () => {
    const problems = problemsOf({ backendContext: "docker/backend/Dockerfile" });
    expect(problems).toEqual([
      `todo-app:backendContext = "docker/backend/Dockerfile" is not valid: a directory: ${at("docker/backend/Dockerfile")} is a file.`,
    ]);
  });

  it("refuses a Dockerfile that is a directory", () => {
    const problems = problemsOf({ frontendDockerfile: "docker/frontend" });
    expect(problems).toEqual([
      `todo-app:frontendDockerfile = "docker/frontend" is not valid: a Dockerfile, a file: ${at("docker/frontend")} is a directory.`,
    ]);
  });

  it("refuses a context or Dockerfile this user cannot read", () => {
    const problems = problemsOf({}, { unreadable: [at("app/backend"), at("docker/frontend/Dockerfile")] });
    expect(problems).toEqual([
      `todo-app:backendContext = "app/backend" is not valid: a directory this user can read (${at("app/backend")} is not readable).`,
      `todo-app:frontendDockerfile = "docker/frontend/Dockerfile" is not valid: a Dockerfile this user can read (${at("docker/frontend/Dockerfile")} is not readable).`,
    ]);
  });

  it("refuses the file system root and the home directory as a context, saying why, without walking them", () => {
    const problems = problemsOf(
      { backendContext: "/", frontendContext: "/home/dev" },
      { kinds: { "/home/dev": "dir" } },
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^todo-app:backendContext = "\/" is not valid: .* \/ is the file system root, too large to hash on every preview/,
    );
    expect(problems[1]).toMatch(
      /^todo-app:frontendContext = "\/home\/dev" is not valid: .* is your home directory, too large to hash/,
    );
  });

  it("says that ~ is not expanded", () => {
    expect(problemsOf({ backendContext: "~/src/backend" })[0]).toMatch(
      /`~` is not expanded here, write the full path/,
    );
  });
});

describe("hashing errors", () => {
  afterEach(() => {
    vi.doUnmock("../../images/contextHash");
    vi.resetModules();
  });

  it("name the setting whose context could not be hashed, before anything is registered", async () => {
    vi.resetModules();
    vi.doMock("../../images/contextHash", async (importOriginal) => {
      const actual = await importOriginal<typeof import("../../images/contextHash")>();
      return {
        ...actual,
        analyzeBuildContext: (spec: { context: string }) => {
          if (spec.context.endsWith("backend")) {
            throw new Error("EACCES: permission denied, open 'app/backend/secret.pem'");
          }
          return actual.analyzeBuildContext(spec as Parameters<typeof actual.analyzeBuildContext>[0]);
        },
      };
    });
    const { loadSettings, ConfigValidationError } = await import("../../config");
    const attempt = () => loadSettings(source({ databaseUrl: "postgresql://u:p@h/d" }), machine(), "dev");
    expect(attempt).toThrow(ConfigValidationError);
    expect(attempt).toThrow(
      /todo-app:backendContext \(.*app\/backend, built with todo-app:backendDockerfile .*\) cannot be hashed for the image tag: EACCES: permission denied, open 'app\/backend\/secret.pem'/,
    );
  });

  it("are not possible once loaded: each image's analysis travels with the settings", () => {
    const s = load({});
    expect(s.backend.image.analysis?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.frontend.image.analysis?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("kubeconfig and dockerCertPath", () => {
  it("refuses a kubeconfig that is missing or a directory", () => {
    expect(problemsOf({ kubeconfig: "/nowhere/config" })).toEqual([
      'todo-app:kubeconfig = "/nowhere/config" is not valid: a kubeconfig file that exists (looked for /nowhere/config).',
    ]);
    expect(problemsOf({ kubeconfig: "app" })[0]).toMatch(/a kubeconfig file, a file: .*app is a directory/);
  });

  it("refuses dockerCertPath without dockerHost, and one that lacks the TLS files", () => {
    const problems = problemsOf(
      { dockerCertPath: "/certs" },
      {
        kinds: {
          "/certs": "dir",
          "/certs/ca.pem": "file",
          "/certs/cert.pem": "missing",
          "/certs/key.pem": "missing",
        },
      },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^todo-app:dockerCertPath = "\/certs" is set without todo-app:dockerHost/),
      'todo-app:dockerCertPath = "/certs" is not valid: a directory holding ca.pem, cert.pem, key.pem this user can read (/certs lacks cert.pem, key.pem).',
    ]);
  });

  it("refuses a dockerCertPath that does not exist, and accepts a complete one", () => {
    expect(problemsOf({ dockerHost: "tcp://10.0.0.5:2376", dockerCertPath: "/nope" })).toEqual([
      'todo-app:dockerCertPath = "/nope" is not valid: a directory holding ca.pem, cert.pem, key.pem: /nope is missing.',
    ]);
    const kinds = {
      "/certs": "dir",
      "/certs/ca.pem": "file",
      "/certs/cert.pem": "file",
      "/certs/key.pem": "file",
    } as const;
    expect(
      load({ dockerHost: "tcp://10.0.0.5:2376", dockerCertPath: "/certs" }, { kinds }).build.docker,
    ).toEqual({
      host: "tcp://10.0.0.5:2376",
      certPath: "/certs",
    });
  });
});

describe("the program", () => {
  it("registers nothing when a path setting is wrong", async () => {
    const error = await runProgramError({
      config: {
        databaseUrl: "postgresql://u:p@h/d",
        backendContext: "docker/backend/Dockerfile",
        frontendDockerfile: "app",
      },
    });
    expect(error.message).toMatch(
      /todo-app:backendContext = "docker\/backend\/Dockerfile" is not valid: a directory/,
    );
    expect(error.message).toMatch(/todo-app:frontendDockerfile = "app" is not valid: a Dockerfile, a file/);
    expect(error.registered).toEqual([]);
  });
});
