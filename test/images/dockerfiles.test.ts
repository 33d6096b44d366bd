import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { isIgnored } from "../../images/dockerignore";
import {
  BACKEND,
  FRONTEND,
  checkDockerfile,
  formatFindings,
  type RuleId,
  type ServiceSpec,
} from "../support/dockerfileChecks";

const repoRoot = path.resolve(__dirname, "..", "..");

/** A backend Dockerfile that keeps every rule; each bad fixture below breaks exactly one of them. */
const goodBackend = `# syntax=docker/dockerfile:1
ARG PYTHON_IMAGE=python:3.11-slim
ARG APP_MODULE=todo_api.main:app

FROM \${PYTHON_IMAGE} AS build
WORKDIR /build
COPY requirements.txt ./
RUN python -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .

FROM \${PYTHON_IMAGE} AS runtime
ARG APP_MODULE
ENV PATH=/opt/venv/bin:$PATH \\
    PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    UVICORN_APP=\${APP_MODULE}
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /build /app
USER 10001:10001
EXPOSE 7860
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "7860"]
`;

/** A frontend Dockerfile in the usual Next.js standalone shape: deps, build, run. */
const goodFrontend = `ARG NODE_IMAGE=node:20.18-bookworm-slim
FROM $NODE_IMAGE AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
ARG NEXT_PUBLIC_ENV=
RUN printf '%s\\n' "$NEXT_PUBLIC_ENV" >> .env.production.local && npm run build

FROM \${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production PORT=3000 HOSTNAME=0.0.0.0
COPY --from=build --chown=10001:10001 /app/.next/standalone ./
COPY --from=build --chown=10001:10001 /app/.next/static ./.next/static
USER 10001
EXPOSE 3000/tcp
CMD ["node", "server.js"]
`;

/** Replaces exactly one occurrence, failing loudly if the fixture drifted and the text is no longer there. */
function mutate(text: string, from: string, to: string): string {
  expect(text.split(from).length, `fixture text ${JSON.stringify(from)} occurs once`).toBe(2);
  return text.replace(from, to);
}

function rulesBroken(text: string, spec: ServiceSpec): RuleId[] {
  return [...new Set(checkDockerfile(text, spec).map((f) => f.rule))];
}

describe("the Dockerfile checker", () => {
  it("accepts Dockerfiles that keep the contract", () => {
    expect(checkDockerfile(goodBackend, BACKEND)).toEqual([]);
    expect(checkDockerfile(goodFrontend, FRONTEND)).toEqual([]);
  });

  const badBackends: [string, RuleId, string][] = [
    [
      "a single-stage build",
      "multi-stage",
      "ARG PYTHON_IMAGE=python:3.11-slim\nARG APP_MODULE=todo_api.main:app\n" +
        mutate(
          goodBackend.slice(goodBackend.indexOf("FROM ${PYTHON_IMAGE} AS runtime")),
          "COPY --from=build /opt/venv /opt/venv\nCOPY --from=build /build /app\n",
          "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
        ),
    ],
    [
      "a base image written into FROM",
      "pinned-base",
      mutate(goodBackend, "FROM ${PYTHON_IMAGE} AS build", "FROM python:3.11-slim AS build"),
    ],
    [
      "a base ARG without a tag",
      "pinned-base",
      mutate(goodBackend, "ARG PYTHON_IMAGE=python:3.11-slim", "ARG PYTHON_IMAGE=python"),
    ],
    [
      "a base ARG pinned to latest",
      "pinned-base",
      mutate(goodBackend, "ARG PYTHON_IMAGE=python:3.11-slim", "ARG PYTHON_IMAGE=python:latest"),
    ],
    [
      "a base ARG without a default",
      "pinned-base",
      mutate(goodBackend, "ARG PYTHON_IMAGE=python:3.11-slim", "ARG PYTHON_IMAGE"),
    ],
    ["a base ARG with another name", "base-arg-name", goodBackend.replaceAll("PYTHON_IMAGE", "BASE_IMAGE")],
    ["a named final user", "numeric-user", mutate(goodBackend, "USER 10001:10001", "USER app")],
    ["a low numeric uid", "numeric-user", mutate(goodBackend, "USER 10001:10001", "USER 1000:1000")],
    ["no USER at all", "numeric-user", mutate(goodBackend, "USER 10001:10001\n", "")],
    [
      "a switch back to root after the numeric user",
      "numeric-user",
      mutate(goodBackend, "EXPOSE 7860\n", "EXPOSE 7860\nUSER root\n"),
    ],
    [
      "a shell-form CMD",
      "exec-form-cmd",
      mutate(
        goodBackend,
        'CMD ["uvicorn", "--host", "0.0.0.0", "--port", "7860"]',
        "CMD uvicorn --host 0.0.0.0 --port 7860",
      ),
    ],
    [
      "a CMD that is not valid JSON (Docker runs it through a shell)",
      "exec-form-cmd",
      mutate(goodBackend, '"--port", "7860"]', '"--port", 7860]'),
    ],
    ["the wrong port", "expose-port", mutate(goodBackend, "EXPOSE 7860", "EXPOSE 8000")],
    ["no EXPOSE", "expose-port", mutate(goodBackend, "EXPOSE 7860\n", "")],
    [
      "a secret-looking ARG",
      "no-secret-names",
      mutate(
        goodBackend,
        "FROM ${PYTHON_IMAGE} AS build\n",
        "FROM ${PYTHON_IMAGE} AS build\nARG cohere_api_key\n",
      ),
    ],
    [
      "a DATABASE_URL baked in with ENV",
      "no-secret-names",
      mutate(goodBackend, "    PYTHONUNBUFFERED=1", "    PYTHONUNBUFFERED=1 DATABASE_URL=sqlite:///x.db"),
    ],
    [
      "the source copied before requirements.txt",
      "manifest-before-source",
      mutate(goodBackend, "COPY requirements.txt ./\nRUN", "COPY . .\nRUN").replace(
        /COPY \. \.\n\nFROM/,
        "\nFROM",
      ),
    ],
    [
      "requirements.txt copied but not installed before the source",
      "manifest-before-source",
      mutate(
        goodBackend,
        "COPY . .\n",
        "COPY . .\nRUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt\n",
      ).replace(
        "RUN python -m venv /opt/venv \\\n && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt\n",
        "",
      ),
    ],
    [
      "apt-get in the final stage",
      "no-distro-tools-in-final-stage",
      mutate(
        goodBackend,
        "WORKDIR /app\n",
        "WORKDIR /app\nRUN apt-get update&&apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
      ),
    ],
    [
      "useradd in the final stage",
      "no-distro-tools-in-final-stage",
      mutate(
        goodBackend,
        "WORKDIR /app\n",
        'WORKDIR /app\nRUN ["/usr/sbin/useradd", "-u", "10001", "app"]\n',
      ),
    ],
    [
      "no APP_MODULE build arg",
      "app-module-arg",
      mutate(goodBackend, "ARG APP_MODULE=todo_api.main:app\n", ""),
    ],
    [
      "an APP_MODULE without a default",
      "app-module-arg",
      mutate(goodBackend, "ARG APP_MODULE=todo_api.main:app", "ARG APP_MODULE"),
    ],
    [
      "an APP_MODULE default that is not module:attribute",
      "app-module-arg",
      mutate(goodBackend, "ARG APP_MODULE=todo_api.main:app", "ARG APP_MODULE=todo_api/main.py"),
    ],
    [
      "APP_MODULE used in the final stage without declaring it there (it would be empty)",
      "app-module-arg",
      mutate(goodBackend, "ARG APP_MODULE\nENV", "ENV"),
    ],
    [
      "APP_MODULE not carried into the final stage's environment",
      "app-module-arg",
      mutate(goodBackend, " \\\n    UVICORN_APP=${APP_MODULE}", ""),
    ],
    [
      "the app written into CMD, ignoring APP_MODULE",
      "app-module-arg",
      mutate(goodBackend, '["uvicorn", "--host"', '["uvicorn", "main:app", "--host"'),
    ],
  ];

  it.each(badBackends)("flags a backend Dockerfile with %s", (_what, rule, text) => {
    expect(rulesBroken(text, BACKEND)).toEqual([rule]);
  });

  const badFrontends: [string, RuleId, string][] = [
    [
      "package-lock.json copied only with the source",
      "manifest-before-source",
      mutate(goodFrontend, "COPY package.json package-lock.json ./", "COPY package.json ./"),
    ],
    [
      "apk in the final stage",
      "no-distro-tools-in-final-stage",
      mutate(
        goodFrontend,
        "WORKDIR /app\nENV NODE_ENV",
        "WORKDIR /app\nRUN apk add --no-cache libc6-compat\nENV NODE_ENV",
      ),
    ],
    [
      "a final stage that exposes a second port",
      "expose-port",
      mutate(goodFrontend, "EXPOSE 3000/tcp", "EXPOSE 3000/tcp 9229"),
    ],
    [
      "a shell-form ENTRYPOINT",
      "exec-form-cmd",
      mutate(
        goodFrontend,
        'CMD ["node", "server.js"]',
        'ENTRYPOINT node server.js\nCMD ["node", "server.js"]',
      ),
    ],
    [
      "an auth secret passed as a build arg",
      "no-secret-names",
      mutate(goodFrontend, "FROM deps AS build\n", "FROM deps AS build\nARG BETTER_AUTH_SECRET\n"),
    ],
    ["the backend's base ARG", "base-arg-name", goodFrontend.replaceAll("NODE_IMAGE", "PYTHON_IMAGE")],
    // Why .env.production.local: `next build` loads env files with loadEnvConfig(dir, false) (vercel/next.js
    // packages/next/src/build/index.ts), which in production mode reads .env.production.local, .env.local,
    // .env.production, .env in that order; the first file to define a name wins and the process environment
    // beats every file (packages/next-env/index.ts). So the file the Dockerfile writes beats any the app ships.
    ["no NEXT_PUBLIC_ENV build arg", "public-env-arg", mutate(goodFrontend, "ARG NEXT_PUBLIC_ENV=\n", "")],
    [
      "NEXT_PUBLIC_ENV declared only after next build",
      "public-env-arg",
      mutate(goodFrontend, "ARG NEXT_PUBLIC_ENV=\n", "").replace(
        "npm run build\n",
        "npm run build\nARG NEXT_PUBLIC_ENV=\n",
      ),
    ],
    [
      "NEXT_PUBLIC_ENV declared in the dependencies stage, which next build does not run in",
      "public-env-arg",
      mutate(goodFrontend, "ARG NEXT_PUBLIC_ENV=\n", "").replace(
        "RUN npm ci\n",
        "ARG NEXT_PUBLIC_ENV=\nRUN npm ci\n",
      ),
    ],
    [
      "NEXT_PUBLIC_ENV declared but never written to .env.production.local",
      "public-env-arg",
      mutate(
        goodFrontend,
        `RUN printf '%s\\n' "$NEXT_PUBLIC_ENV" >> .env.production.local && npm run build`,
        "RUN npm run build",
      ),
    ],
  ];

  it.each(badFrontends)("flags a frontend Dockerfile with %s", (_what, rule, text) => {
    expect(rulesBroken(text, FRONTEND)).toEqual([rule]);
  });

  it("accepts a manifest copied by a glob and a base pinned by tag and digest", () => {
    const globbed = mutate(
      goodFrontend,
      "COPY package.json package-lock.json ./",
      "COPY package*.json ./",
    ).replace(
      "ARG NODE_IMAGE=node:20.18-bookworm-slim",
      "ARG NODE_IMAGE=docker.io/library/node:20.18-bookworm-slim@sha256:" + "a".repeat(64),
    );
    expect(checkDockerfile(globbed, FRONTEND)).toEqual([]);
  });

  it("names the line of each finding", () => {
    const text = mutate(goodBackend, "USER 10001:10001", "USER root");
    const [finding] = checkDockerfile(text, BACKEND);
    expect(finding.rule).toBe("numeric-user");
    expect(text.split("\n")[finding.line - 1]).toBe("USER root");
  });
});

/**
 * What the contract requires of each real Dockerfile and the .dockerignore of its build context: `contextPaths`
 * must stay out of the image, `runtimePaths` (what the reference app needs to build and run) must reach it.
 * The backend's Dockerfile copies its whole context, so its ignore file alone keeps developer files out.
 */
const services: { spec: ServiceSpec; contextPaths: string[]; runtimePaths: string[] }[] = [
  {
    spec: BACKEND,
    contextPaths: [
      ".venv/bin/python",
      "venv/bin/python",
      "__pycache__/x.pyc",
      "todo_api/__pycache__/main.cpython-311.pyc",
      ".pytest_cache/v/cache/lastfailed",
      ".mypy_cache/3.11/main.meta.json",
      ".ruff_cache/CACHEDIR.TAG",
      ".coverage",
      "htmlcov/index.html",
      "scripts/test.sh",
      "pytest.ini",
      "README.md",
      "todo.db",
      ".dockerignore",
    ],
    runtimePaths: ["requirements.txt", "todo_api/__init__.py", "todo_api/main.py", "todo_api/settings.py"],
  },
  {
    spec: FRONTEND,
    contextPaths: ["node_modules/next/package.json", ".next/cache/x"],
    runtimePaths: ["package.json", "package-lock.json", "next.config.mjs", "app/page.tsx", "lib/backend.ts"],
  },
];
const alwaysOut = [".git/HEAD", "tests/test_api.py", ".env", ".env.local", ".env.production"];

for (const { spec, contextPaths, runtimePaths } of services) {
  const dockerfile = path.join(repoRoot, "docker", spec.service, "Dockerfile");
  const dockerignore = path.join(repoRoot, "app", spec.service, ".dockerignore");

  describe(`docker/${spec.service}/Dockerfile`, () => {
    const present = fs.existsSync(dockerfile);
    if (!present)
      console.log(`SKIP: ${dockerfile} does not exist yet (the checker is tested on fixtures above)`);

    it.skipIf(!present)("keeps the contract", () => {
      const findings = checkDockerfile(fs.readFileSync(dockerfile, "utf8"), spec);
      expect(
        findings,
        `docker/${spec.service}/Dockerfile breaks the contract:\n${formatFindings(findings)}`,
      ).toEqual([]);
    });
  });

  describe(`app/${spec.service}/.dockerignore`, () => {
    const present = fs.existsSync(dockerignore);
    if (!present) console.log(`SKIP: ${dockerignore} does not exist yet`);

    it.skipIf(!present)(
      "keeps dependencies, build output, VCS data, tests and local env files out of the image",
      () => {
        const patterns = fs.readFileSync(dockerignore, "utf8").split(/\r?\n/);
        const sent = [...contextPaths, ...alwaysOut].filter((p) => !isIgnored(patterns, p));
        expect(sent, `app/${spec.service}/.dockerignore lets these into the build context`).toEqual([]);
      },
    );

    it.skipIf(!present)("sends what the app needs to build and run", () => {
      const patterns = fs.readFileSync(dockerignore, "utf8").split(/\r?\n/);
      const dropped = runtimePaths.filter((p) => isIgnored(patterns, p));
      expect(dropped, `app/${spec.service}/.dockerignore keeps these out of the image`).toEqual([]);
      // The list above is checked against the tree, so a renamed file cannot make this test pass vacuously.
      const missing = runtimePaths.filter((p) => !fs.existsSync(path.join(repoRoot, "app", spec.service, p)));
      expect(missing, `app/${spec.service} no longer has these`).toEqual([]);
    });
  });
}
