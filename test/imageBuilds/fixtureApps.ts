/**
 * Small apps in the shape teams usually have, written to a temporary folder, so that the image suite can build
 * them with this repository's Dockerfiles: a FastAPI app with `main.py` at its root, and a Next.js App Router
 * app under `src/app` with no `public/`. Their dependency manifests are the reference app's own, so a machine
 * that can build the reference images can build these (the same pinned requirements, the same npm lockfile)
 * and the dependency layers are shared with them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..", "..");

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

/** A fresh temporary folder; the caller removes it. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The ASGI app the FastAPI fixture is run as, which the Dockerfile's default (`todo_api.main:app`) is not. */
export const FASTAPI_APP_MODULE = "main:app";

/** Writes a FastAPI app served as `uvicorn main:app`, answering `/health` with `{"status": "ok"}`. */
export function writeFastApiApp(root: string): void {
  writeTree(root, {
    "requirements.txt": fs.readFileSync(path.join(repoRoot, "app/backend/requirements.txt"), "utf8"),
    "main.py": [
      "from fastapi import FastAPI",
      "",
      "from settings import greeting",
      "",
      "app = FastAPI()",
      "",
      "",
      '@app.get("/health")',
      "def health() -> dict[str, str]:",
      '    return {"status": "ok"}',
      "",
      "",
      '@app.get("/")',
      "def root() -> dict[str, str]:",
      '    return {"message": greeting()}',
      "",
    ].join("\n"),
    // A second module imported from the root, as such apps have: it must be importable from the image's /app.
    "settings.py": [
      "import os",
      "",
      "",
      "def greeting() -> str:",
      '    return os.environ.get("GREETING", "hello")',
      "",
    ].join("\n"),
  });
}

/**
 * What the Next.js fixture is built with, in `NEXT_PUBLIC_ENV` (the Dockerfile's one build arg for them). The
 * value holds what dotenv would otherwise misread: a `#` (a comment when unquoted), a `$NAME` (expanded by
 * dotenv-expand), a single quote and spaces at both ends.
 */
export const NEXT_PUBLIC_GREETING = " it's #1 at $HOME ";

/**
 * Writes a Next.js App Router app under `src/app` with `output: "standalone"` and no `public/`. A client
 * component renders `NEXT_PUBLIC_GREETING`, so its value must be inlined into the browser bundle at build time.
 * The app ships its own `.env.production` with another value, which the build arg must override, and a
 * `.env.production.local` whose other variables must survive.
 */
export function writeNextApp(root: string): void {
  const reference = path.join(repoRoot, "app/frontend");
  writeTree(root, {
    "package.json": fs.readFileSync(path.join(reference, "package.json"), "utf8"),
    "package-lock.json": fs.readFileSync(path.join(reference, "package-lock.json"), "utf8"),
    "next.config.mjs": 'export default { output: "standalone" };\n',
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["dom", "dom.iterable", "esnext"],
          skipLibCheck: true,
          strict: true,
          noEmit: true,
          esModuleInterop: true,
          module: "esnext",
          moduleResolution: "bundler",
          resolveJsonModule: true,
          isolatedModules: true,
          jsx: "preserve",
          incremental: true,
          plugins: [{ name: "next" }],
          paths: { "@/*": ["./src/*"] },
        },
        include: ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
        exclude: ["node_modules"],
      },
      null,
      2,
    )}\n`,
    ".env.production": "NEXT_PUBLIC_GREETING=from-the-app-env-production\n",
    ".env.production.local": "NEXT_PUBLIC_SHIPPED=from-the-app-env-production-local\n",
    "src/app/layout.tsx": [
      'import type { ReactNode } from "react";',
      "",
      "export default function RootLayout({ children }: { children: ReactNode }) {",
      "  return (",
      '    <html lang="en">',
      "      <body>{children}</body>",
      "    </html>",
      "  );",
      "}",
      "",
    ].join("\n"),
    "src/app/page.tsx": [
      'import { Greeting } from "@/components/Greeting";',
      "",
      "export default function Home() {",
      "  return <Greeting />;",
      "}",
      "",
    ].join("\n"),
    "src/components/Greeting.tsx": [
      '"use client";',
      "",
      "export function Greeting() {",
      "  return (",
      "    <p>",
      '      <span id="greeting">{process.env.NEXT_PUBLIC_GREETING}</span>',
      '      <span id="shipped">{process.env.NEXT_PUBLIC_SHIPPED}</span>',
      "    </p>",
      "  );",
      "}",
      "",
    ].join("\n"),
    "src/app/api/health/route.ts": [
      'export const dynamic = "force-dynamic";',
      "",
      "export function GET(): Response {",
      '  return Response.json({ status: "healthy" });',
      "}",
      "",
    ].join("\n"),
  });
}
