import * as fs from "fs";
import { afterAll, expect } from "vitest";
import { NEXT_PUBLIC_GREETING, scratchDir, writeNextApp } from "./fixtureApps";
import { describeImage } from "./imageHarness";

// A team's Next.js app (App Router under src/app, no public/, output: "standalone") built with this
// repository's frontend Dockerfile, its NEXT_PUBLIC_* variables passed the way the program passes them.
// The Dockerfile writes them to .env.production.local, the first env file `next build` reads (vercel/next.js
// packages/next-env/index.ts, loadEnvConfig in production mode: .env.production.local, .env.local,
// .env.production, .env; the first file to define a name wins). Next reads that file with dotenv 16 and
// expands it with dotenv-expand 10 (packages/next-env/package.json), hence the value below.
const context = scratchDir("next-app-");
writeNextApp(context);
afterAll(() => fs.rmSync(context, { recursive: true, force: true }));

/** The JavaScript files the home page loads, fetched from the running server. */
async function pageScripts(baseUrl: string): Promise<string[]> {
  const html = await (await fetch(`${baseUrl}/`)).text();
  const sources = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1]);
  expect(sources.length, "the home page loads scripts").toBeGreaterThan(0);
  return Promise.all(sources.map(async (src) => (await fetch(new URL(src, baseUrl))).text()));
}

describeImage({
  service: "frontend",
  app: {
    name: "todo-test-next-app",
    context,
    buildArgs: { NEXT_PUBLIC_ENV: `NEXT_PUBLIC_GREETING=${NEXT_PUBLIC_GREETING}` },
  },
  baseArg: "NODE_IMAGE",
  defaultBase: "local/node:20-slim",
  baseEnv: "TEST_NODE_IMAGE",
  containerPort: 3000,
  healthPath: "/api/health",
  exercisePaths: ["/", "/no-such-page"],
  // Nothing NEXT_PUBLIC_* at run time: what the browser gets must have been inlined by `next build`.
  env: {},
  tmpfs: ["/tmp", "/app/.next/cache"],
  // Unlike the reference app, this one keeps Next's default image optimizer, whose sharp the server traces.
  maxAddedMB: 90,
  checkHealth: (body) => expect(body).toEqual({ status: "healthy" }),
  checkServing: async (baseUrl) => {
    const bundle = (await pageScripts(baseUrl)).join("\n");
    // The build arg's value, literally (no comment cut at `#`, no `$HOME` expanded, spaces kept), beats the
    // app's own .env.production; the app's .env.production.local keeps its other variables.
    expect(bundle).toContain(JSON.stringify(NEXT_PUBLIC_GREETING));
    expect(bundle).not.toContain('from-the-app-env-production"');
    expect(bundle).toContain("from-the-app-env-production-local");
  },
});
