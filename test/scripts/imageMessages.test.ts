/**
 * What `npm run test:images` prints when it skips names paths inside the repository, or says what to do in
 * plain words: never a path of one machine (an absolute path, or a folder beside the repository).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

const harness = path.resolve(__dirname, "..", "imageBuilds", "imageHarness.ts");

/** Every string and template literal of a source file, as written (comments are not messages). */
function literals(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text);
    if (ts.isTemplateExpression(node)) found.push(node.getText(source));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the image tests' messages", () => {
  it("name no machine path", () => {
    const texts = literals(harness);
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) {
      expect(text).not.toMatch(/\/work\/|\.\.\/shared|shared\/tools|stand-in-base-images\.sh/);
    }
  });

  it("say how to get a missing base image, pointing at the README in the repository", () => {
    const skip = literals(harness).find((t) => t.includes("is missing"));
    expect(skip).toMatch(/set \$\{spec\.baseEnv\} to an image you can pull/);
    expect(literals(harness).some((t) => t.includes("test/imageBuilds/README.md"))).toBe(true);
  });
});
