/**
 * Build contexts for the content-hash tests. First a small context and a set of `.dockerignore` files that
 * exercise Docker's matching rules (anchoring, `*` staying within one directory, `**`, `?`, character classes and
 * above all `!` re-includes inside ignored directories): the unit suite checks the pruned walk of images/ against
 * matching every path, the image suite against what a real `docker build` sends. Then the own-app fixture
 * repository, copied where a test may change it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const contextTree: Readonly<Record<string, string>> = {
  "README.md": "r",
  "NOTES.md": "n",
  "package.json": "p",
  "src/index.ts": "i",
  "src/important": "i",
  "src/deep/x.log": "l",
  "keep/a/b/x.log": "l",
  "docs/guide.md": "g",
  "docs/sub/notes.txt": "t",
  "a/b/c/d": "d",
  "a/b/c/e": "e",
  "a/x/c/d": "d",
  "build/out.js": "o",
  "build/nested/important": "i",
  "node_modules/pkg/index.js": "p",
  "node_modules/pkg/lib/deep.js": "d",
  "node_modules/other/index.js": "o",
  ".next/cache/x": "x",
};

/**
 * Each entry is the lines of one `.dockerignore`. `dockerPrunesMore` marks the ones whose `!` rule has a wildcard
 * before the part that reaches into an ignored directory: Docker's walker descends into an ignored directory only
 * when a `!` rule's text starts with the directory's path, so it sends nothing from there, while the hash
 * conservatively walks and hashes what the rule matches (a spurious new tag at worst, never a missed change).
 */
export const ignoreCases: readonly {
  readonly lines: readonly string[];
  readonly dockerPrunesMore?: true;
}[] = [
  { lines: ["node_modules", ".next", "*.md", "!README.md"] },
  { lines: ["*", "!src", "!package.json"] },
  { lines: ["**/*.log", "!keep/**/*.log"] },
  { lines: ["docs", "!docs/**/*.txt"], dockerPrunesMore: true },
  { lines: ["a/*/c", "!a/b/c/d"] },
  { lines: ["**", "!src/**"], dockerPrunesMore: true },
  { lines: ["node_modules", "!node_modules/pkg/**"] },
  { lines: ["build", "!**/important"], dockerPrunesMore: true },
  { lines: ["/node_modules/", "!/node_modules/other"] },
  { lines: ["node_modules", "!node_modules/p?g", "!node_modules/[o]ther/index.js"], dockerPrunesMore: true },
  { lines: ["*/*/c", "!a/b**"], dockerPrunesMore: true },
];

/** The fixture repository of a team's own app (test/fixtures/own-app), built from its root as they build it. */
export const ownAppFixture = path.resolve(__dirname, "..", "fixtures", "own-app");

/** A writable copy of the own-app fixture, with the state directory the program would leave in it. */
export interface OwnAppCopy {
  /** The repository root: the build context of both images. */
  readonly root: string;
  /** The Dockerfiles, absolute, as `docker build -f` would get them. */
  readonly backendDockerfile: string;
  readonly frontendDockerfile: string;
  /** The build of one service, as the program would hash it. */
  spec(service: "backend" | "frontend"): { context: string; dockerfile: string };
  /** Writes a file below the root (creating its directories), `rel` with `/` separators. */
  write(rel: string, content: string): void;
}

/**
 * Copies the fixture below `parent` (a fresh temporary directory when omitted) and adds what .gitignore keeps out
 * of the repository: a file-backend state directory in phase4/infra, as `npm run up` leaves it.
 */
export function copyOwnApp(parent = fs.mkdtempSync(path.join(os.tmpdir(), "own-app-"))): OwnAppCopy {
  const root = path.join(parent, "repo");
  fs.cpSync(ownAppFixture, root, { recursive: true });
  const write = (rel: string, content: string): void => {
    const abs = path.join(root, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  };
  write("phase4/infra/.pulumi-state/.pulumi/stacks/own-app-infra/dev.json", "{}\n");
  const dockerfile = (service: string) => path.join(root, "phase4", "docker", service, "Dockerfile");
  return {
    root,
    backendDockerfile: dockerfile("backend"),
    frontendDockerfile: dockerfile("frontend"),
    spec: (service) => ({ context: root, dockerfile: dockerfile(service) }),
    write,
  };
}
