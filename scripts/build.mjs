// Builds the CLI into one ES module (dist/loadgen.mjs) with esbuild, a dependency we ship anyway: startup stays fast
// and Node 20 needs no TypeScript loader. Dependencies stay external (node_modules); stdlib guest shims are bundled
// at run time from stdlib/, which ships with the package.
import * as esbuild from "esbuild";
import { existsSync as exists, readdirSync, rmSync } from "node:fs";
import path from "node:path";

// Splitting: each command (and each stdlib host module) is a chunk of its own, loaded when it runs, so `--help` and
// runs without a cluster never load the Kubernetes client.
const built = await esbuild.build({
  metafile: true,
  entryPoints: { loadgen: "runtime/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
// Chunks of earlier builds (their names carry a content hash) are removed only after the new ones are in place, so
// that a CLI started meanwhile never finds its entry missing.
const current = new Set(Object.keys(built.metafile.outputs).map((f) => path.resolve(f)));
if (exists("dist/chunks")) {
  for (const name of readdirSync("dist/chunks")) if (!current.has(path.resolve("dist/chunks", name))) rmSync(path.join("dist/chunks", name), { force: true });
}

// npm does not link a package's own bin into its node_modules/.bin; do it so `npx loadgen` works in a checkout.
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
const link = "node_modules/.bin/loadgen";
if (existsSync("node_modules") && !lstatSync(link, { throwIfNoEntry: false })) {
  mkdirSync("node_modules/.bin", { recursive: true });
  symlinkSync("../../bin/loadgen.js", link);
}
