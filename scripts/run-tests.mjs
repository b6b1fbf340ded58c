// Runs every *.test.ts with uvu (TypeScript through tsx) and ends with the plain closing line CI reads:
// "N passed, N failed". uvu's own totals stay in the output above it.
import { spawn } from "node:child_process";

// Optional arguments: the folder to run (default: the whole repository), e.g. `node scripts/run-tests.mjs runtime`,
// or one test file (`node scripts/run-tests.mjs test/k8s/list.test.ts`), and `--deno` to run the tests under Deno
// instead of Node (Deno runs the TypeScript itself; no tsx).
import { statSync } from "node:fs";
import path from "node:path";
const deno = process.argv.includes("--deno");
const target = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? ".";
// uvu takes a folder and a pattern: a file becomes its folder and its own name, matched exactly.
const [dir, pattern] = statSync(target).isFile()
  ? [path.dirname(target), `^${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`]
  : [target, "\\.test\\.ts$"];
const uvu = ["node_modules/uvu/bin.js", dir, pattern, "-i", "node_modules", "-i", "dist"];
const [command, args] = deno
  ? [(await import("./deno.mjs")).ensureDeno(), ["run", "-A", ...uvu]]
  : [process.execPath, ["--import", "tsx", ...uvu]];
const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1" } });
let out = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code) => {
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    console.log(`0 passed, 1 failed`);
    console.error("tests: uvu did not report its totals (a test file crashed before the run?)");
    process.exit(code || 1);
  }
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const failed = total - passed - skipped;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(failed > 0 ? 1 : code ?? 1);
});
