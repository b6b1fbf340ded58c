// Builds the CLI into one ES module (dist/loadgen.mjs) with esbuild, a dependency we ship anyway: startup stays fast
// and Node 20 needs no TypeScript loader. Dependencies stay external (node_modules); stdlib guest shims are bundled
// at run time from stdlib/, which ships with the package.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: ["runtime/cli/main.ts"],
  outfile: "dist/loadgen.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});

// npm does not link a package's own bin into its node_modules/.bin; do it so `npx loadgen` works in a checkout.
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
const link = "node_modules/.bin/loadgen";
if (existsSync("node_modules") && !lstatSync(link, { throwIfNoEntry: false })) {
  mkdirSync("node_modules/.bin", { recursive: true });
  symlinkSync("../../bin/loadgen.js", link);
}
