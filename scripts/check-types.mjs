// `npm run check:types`: `deno check` of every scenario and of every @example in the stdlib's .d.ts files.
// deno is not a devDependency: the npm registry reachable here serves only this platform's @deno/* binary, and a
// lockfile that names deno's other platform packages cannot be written, so `npm ci` would refuse the project.
// It is installed on first use into ~/.cache/loadgen/deno (or $LOADGEN_CACHE_DIR/deno) with a plain npm install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const DENO_VERSION = "2.9.6";
const cache = path.join(process.env.LOADGEN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "loadgen"), "deno", DENO_VERSION);
const denoBin = path.join(cache, "node_modules", ".bin", "deno");

function ensureDeno() {
  if (existsSync(denoBin)) return denoBin;
  console.error(`check:types: installing deno ${DENO_VERSION} from npm into ${cache}`);
  mkdirSync(cache, { recursive: true });
  writeFileSync(path.join(cache, "package.json"), JSON.stringify({ private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `deno@${DENO_VERSION}`], { cwd: cache, stdio: ["ignore", "inherit", "inherit"] });
  if (!existsSync(denoBin)) throw new Error(`check:types: deno did not install into ${cache}`);
  return denoBin;
}

const deno = ensureDeno();
const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
const scenarios = readdirSync("scenarios").filter((f) => f.endsWith(".ts")).map((f) => path.join("scenarios", f));
const types = ["stdlib", ...readdirSync("stdlib", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join("stdlib", d.name))]
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".d.ts")).map((f) => path.join(dir, f)));
for (const args of [["check", ...scenarios], ["check", "--doc-only", ...types]]) {
  const r = spawnSync(deno, args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
