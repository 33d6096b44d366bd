/**
 * A small build context and a set of `.dockerignore` files that exercise Docker's matching rules (anchoring, `*`
 * staying within one directory, `**`, `?`, character classes and above all `!` re-includes inside ignored
 * directories). The unit suite checks the pruned walk of images/contextHash.ts against matching every path; the
 * image suite checks it against what a real `docker build` sends.
 */
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
