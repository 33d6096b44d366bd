import path from "node:path";
import { fileURLToPath } from "node:url";

/** @type {import("next").NextConfig} */
const nextConfig = {
  // The image ships only the self-contained server that this produces, not node_modules.
  output: "standalone",
  // The repository root has its own package-lock.json; without this Next would trace from there and nest the
  // standalone server under app/frontend/ instead of placing server.js at the top of .next/standalone.
  outputFileTracingRoot: path.dirname(fileURLToPath(import.meta.url)),
  // The page uses no next/image, so the image optimizer and its ~20 MB of native libvips (sharp, @img) are dead
  // weight; typescript is traced only for build-time config loading. Leaving them out keeps the image small.
  images: { unoptimized: true },
  outputFileTracingExcludes: {
    "*": ["node_modules/sharp/**", "node_modules/@img/**", "node_modules/typescript/**"],
  },
  poweredByHeader: false,
  // Next would otherwise write its response cache (e.g. the prerendered 404) under .next/server at run time,
  // which the pod's read-only root filesystem refuses; the in-memory cache serves just as well here.
  experimental: { isrFlushToDisk: false },
  // Type errors still fail the build; linting belongs to the repository's own lint step, not to image builds.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
