/**
 * The GitHub Actions workflows do what the README promises: the PR workflow runs the fast checks and posts a
 * policy-checked preview of the minikube-free ci stack; the deploy workflow starts a real cluster, deploys,
 * runs the integration test and always destroys.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";

const repoRoot = path.resolve(__dirname, "..", "..");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  return YAML.parse(fs.readFileSync(path.join(repoRoot, ".github", "workflows", file), "utf8")) as Workflow;
}

const uses = (job: Job, action: string) => job.steps.filter((s) => s.uses?.split("@")[0] === action);
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").filter((r) => r !== "");
/** The index of the first step whose command contains `text`, so order can be asserted. */
const stepIndex = (job: Job, text: string) => job.steps.findIndex((s) => (s.run ?? "").includes(text));

function expectNodeSetup(job: Job) {
  expect(uses(job, "actions/checkout")).toHaveLength(1);
  const [node] = uses(job, "actions/setup-node");
  expect(String(node?.with?.["node-version"])).toBe("20");
  expect(node?.with?.cache).toBe("npm");
  expect(runs(job)).toContain("npm ci");
}

describe("every workflow file", () => {
  const files = fs.readdirSync(path.join(repoRoot, ".github", "workflows"));

  it.each(files)("%s is valid YAML with jobs and steps, and pins each action to a version", (file) => {
    const wf = workflow(file);
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    for (const job of Object.values(wf.jobs)) {
      expect(job.steps.length).toBeGreaterThan(0);
      for (const step of job.steps) {
        expect(Boolean(step.uses) !== Boolean(step.run), JSON.stringify(step)).toBe(true);
        if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@\S+$/);
      }
    }
  });
});

describe("pull request workflow", () => {
  const wf = workflow("pr.yml");

  it("runs on pull requests and may comment on them", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions?.["pull-requests"]).toBe("write");
  });

  it("checks out, sets up Node 20 with the npm cache, installs, then typechecks, lints and tests", () => {
    const check = wf.jobs.check;
    expectNodeSetup(check);
    const order = ["npm ci", "npm run typecheck", "npm run lint", "npm test"].map((c) => stepIndex(check, c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  describe("preview job", () => {
    const preview = wf.jobs.preview;
    const previewStep = uses(preview, "pulumi/actions").find((s) => s.with?.command === "preview");

    it("runs only after the checks pass", () => {
      expect([preview.needs].flat()).toContain("check");
      expectNodeSetup(preview);
    });

    it("previews the ci stack with pulumi/actions v7, the policy pack, and a PR comment", () => {
      expect(previewStep?.uses).toBe("pulumi/actions@v7");
      expect(previewStep?.with).toMatchObject({
        command: "preview",
        "stack-name": "ci",
        "github-token": "${{ secrets.GITHUB_TOKEN }}",
        policyPacks: "policy",
      });
      expect(runs(preview)).toContain("npm ci --prefix policy");
    });

    it("comments only where the token may write: not on a fork's pull request or Dependabot's", () => {
      // GitHub gives a pull_request run from a fork (and one Dependabot triggers) a read-only GITHUB_TOKEN,
      // whatever `permissions` asks for, so posting the comment would fail the step and hide the preview.
      const comment = String(previewStep?.with?.["comment-on-pr"]);
      expect(comment).toMatch(/^\$\{\{.*\}\}$/);
      expect(comment).toContain("github.event.pull_request.head.repo.full_name == github.repository");
      expect(comment).toContain("github.actor != 'dependabot[bot]'");
      // The preview itself always runs: neither the step nor the job is conditional or allowed to fail.
      expect(previewStep?.if).toBeUndefined();
      expect((previewStep as { "continue-on-error"?: unknown })["continue-on-error"]).toBeUndefined();
    });

    it("checks the Docker daemon before the preview, which pulumi-docker's Configure pings", () => {
      const check = stepIndex(preview, "docker info");
      expect(check).toBeGreaterThan(-1);
      expect(check).toBeLessThan(preview.steps.indexOf(previewStep!));
      const text = fs.readFileSync(path.join(repoRoot, ".github", "workflows", "pr.yml"), "utf8");
      expect(text).toMatch(/disableDockerDaemonCheck/);
      expect(text).toMatch(/ubuntu runners run dockerd/);
      // pulumi-kubernetes prints no warning for an unreachable cluster at preview; the comments must not promise one.
      expect(text).not.toMatch(/unreachable and warns/);
    });

    it("uses a self-managed state backend and a passphrase, no Pulumi Cloud token", () => {
      expect(String(previewStep?.with?.["cloud-url"])).toMatch(/^file:\/\//);
      expect(preview.env?.PULUMI_BACKEND_URL).toBe(previewStep?.with?.["cloud-url"]);
      expect(preview.env?.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
      expect(JSON.stringify(wf)).not.toContain("PULUMI_ACCESS_TOKEN");
    });

    it("creates the ci stack with the passphrase provider (its database is the in-cluster default)", () => {
      const create = runs(preview).find((r) => r.includes("stack init ci"));
      expect(create).toMatch(/pulumi stack init ci --secrets-provider passphrase/);
      expect(create).not.toMatch(/config set --secret databaseUrl/);
      expect(stepIndex(preview, "stack init ci")).toBeLessThan(preview.steps.indexOf(previewStep!));
    });

    it("gives the preview a `ci` kubeconfig context that points at no real cluster", () => {
      const kubeconfig = runs(preview).find((r) => r.includes("kind: Config"));
      expect(kubeconfig).toMatch(/name: ci/);
      expect(kubeconfig).toMatch(/server: https:\/\/127\.0\.0\.1:6443/);
      expect(kubeconfig).toMatch(/KUBECONFIG=.*>> "\$GITHUB_ENV"/);
    });
  });

  it("previews a ci stack that needs no minikube and holds no plaintext secret", () => {
    const stack = YAML.parse(fs.readFileSync(path.join(repoRoot, "Pulumi.ci.yaml"), "utf8")) as {
      config: Record<string, unknown>;
      encryptionsalt?: string;
    };
    expect(stack.config).toEqual({
      "todo-app:kubeContext": "ci",
      "todo-app:buildTarget": "docker",
      "todo-app:namespace": "todo-ci",
    });
    // Committed with its salt (for the workflow's public passphrase), so no run rewrites a tracked file.
    expect(stack.encryptionsalt).toMatch(/^v1:/);
    expect(fs.readFileSync(path.join(repoRoot, ".github", "workflows", "pr.yml"), "utf8")).toContain(
      "PULUMI_CONFIG_PASSPHRASE: ci-throwaway-passphrase",
    );
  });
});

describe("deploy workflow", () => {
  const wf = workflow("deploy.yml");
  const [job] = Object.values(wf.jobs);

  it("runs by hand and on pushes to main", () => {
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf.on.push).toEqual({ branches: ["main"] });
  });

  it("starts a real minikube with the Docker driver and runtime before deploying", () => {
    expectNodeSetup(job);
    const [minikube] = uses(job, "medyagh/setup-minikube");
    expect(minikube?.with).toMatchObject({ driver: "docker", "container-runtime": "docker" });
    expect(job.steps.indexOf(minikube)).toBeLessThan(stepIndex(job, "npm run up"));
    // A release tag such as v0.0.21 stays where it is; the comment must not call it a moving ref.
    expect(minikube.uses).toMatch(/@v\d+\.\d+\.\d+$/);
    const text = fs.readFileSync(path.join(repoRoot, ".github", "workflows", "deploy.yml"), "utf8");
    expect(text).not.toMatch(/move to each release|moving tag/);
  });

  it("deploys with npm run up, runs the integration test, then always destroys", () => {
    const up = stepIndex(job, "npm run up -- --stack ci-e2e");
    const integration = stepIndex(job, "npm run test:integration");
    const last = job.steps[job.steps.length - 1];
    expect(up).toBeGreaterThan(-1);
    expect(integration).toBeGreaterThan(up);
    expect(last.run).toBe("npm run down -- --stack ci-e2e");
    expect(last.if).toBe("always()");
  });

  it("runs the integration test's recreated-cluster case", () => {
    const integration = job.steps[stepIndex(job, "npm run test:integration")];
    expect(integration.env?.TODO_IT_RECREATE_CLUSTER).toBe("1");
  });

  it("recreates the cluster under the deployed stack, and a second npm run up must bring the app back", () => {
    const firstUp = stepIndex(job, "npm run up -- --stack ci-e2e");
    const recreate = job.steps.findIndex((s) => /minikube delete\n\s*minikube start/.test(s.run ?? ""));
    const secondUp = job.steps.findIndex((s, i) => i > recreate && s.run === "npm run up -- --stack ci-e2e");
    expect(recreate).toBeGreaterThan(firstUp);
    expect(job.steps[recreate].run).toMatch(/minikube start --driver=docker --container-runtime=docker/);
    expect(secondUp).toBeGreaterThan(recreate);
  });

  it("runs npm run down after minikube delete, and checks the stack's state ends up empty", () => {
    const step = job.steps.find((s) =>
      /minikube delete\n\s*npm run down -- --stack ci-e2e/.test(s.run ?? ""),
    );
    expect(step).toBeDefined();
    expect(step?.if).toBeUndefined();
    expect(step?.run).toMatch(/state="\$\(npm run --silent pulumi -- stack export --stack ci-e2e\)"/);
    expect(step?.run).toMatch(/jq '\.deployment\.resources \/\/ \[\] \| length'/);
    expect(step?.run).toMatch(/test "\$left" = 0/);
  });

  it("makes a skipped integration test fail here, where a cluster was started", () => {
    expect(job.env?.TODO_IT_REQUIRE_CLUSTER).toBe("1");
  });

  it("keeps state in a file backend with a passphrase, like npm run up on a laptop", () => {
    expect(job.env?.PULUMI_BACKEND_URL).toMatch(/^file:\/\//);
    expect(job.env?.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
    const create = runs(job).find((r) => r.includes("stack init ci-e2e"));
    expect(create).toMatch(/--secrets-provider passphrase/);
    expect(create).not.toMatch(/config set --secret databaseUrl/);
  });
});
