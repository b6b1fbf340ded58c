// `npm run check:types`: `deno check` of every scenario and of every @example in the stdlib's .d.ts files.
// deno comes from scripts/deno.mjs (installed on first use into ~/.cache/loadgen/deno).
import { readdirSync } from "node:fs";
import path from "node:path";
import { runDeno } from "./deno.mjs";

const scenarios = readdirSync("scenarios").filter((f) => f.endsWith(".ts")).map((f) => path.join("scenarios", f));
const types = ["stdlib", ...readdirSync("stdlib", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join("stdlib", d.name))]
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".d.ts")).map((f) => path.join(dir, f)));
for (const args of [["check", ...scenarios], ["check", "--doc-only", ...types]]) {
  const status = runDeno(args);
  if (status !== 0) process.exit(status);
}
