// `node scripts/deno.mjs ARGS…`: runs deno (installed on first use, see ensureDeno) with ARGS, e.g.
// `node scripts/deno.mjs run -A bin/loadgen.js run scenarios/hello.ts` or the engine tests under Deno (.ci/run).
// deno is not a devDependency: the npm registry reachable here serves only this platform's @deno/* binary, and a
// lockfile that names deno's other platform packages cannot be written, so `npm ci` would refuse the project.
// It is installed on first use into ~/.cache/loadgen/deno (or $LOADGEN_CACHE_DIR/deno) with a plain npm install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DENO_VERSION = "2.9.6";

/** The path of the deno binary, installing it first when the cache lacks it. */
export function ensureDeno() {
  const cache = path.join(process.env.LOADGEN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "loadgen"), "deno", DENO_VERSION);
  const denoBin = path.join(cache, "node_modules", ".bin", "deno");
  if (existsSync(denoBin)) return denoBin;
  console.error(`deno: installing deno ${DENO_VERSION} from npm into ${cache}`);
  mkdirSync(cache, { recursive: true });
  writeFileSync(path.join(cache, "package.json"), JSON.stringify({ private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `deno@${DENO_VERSION}`], { cwd: cache, stdio: ["ignore", "inherit", "inherit"] });
  if (!existsSync(denoBin)) throw new Error(`deno did not install into ${cache}`);
  return denoBin;
}

/** Runs deno with `args`; returns its exit status. */
export function runDeno(args) {
  const r = spawnSync(ensureDeno(), args, { stdio: "inherit", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  return r.status ?? 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(runDeno(process.argv.slice(2)));
}
