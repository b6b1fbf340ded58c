// Start-up: the wall time of `loadgen --help` and of `loadgen run -q` on a one-iteration scenario with no modules
// (bench/fixtures/one-iteration.ts), each a fresh `node bin/loadgen.js` (the CLI runs from dist/: build first), the
// median of RUNS runs after one unmeasured warm-up (file cache, esbuild's first start). Target: under 0.3 s each (k6
// takes 0.07 s). A missed target is printed as MISSED, not failed; a run that does not do its job (non-zero exit, no
// usage text, not exactly one iteration in the summary, an iteration that threw) makes the figure INVALID.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { finish, invalid, printRow, tail, type Row, median } from "./figures.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const RUNS = Number(process.env.STARTUP_BENCH_RUNS ?? 7);
const TARGET_S = 0.3;

interface Case {
  name: string;
  args: string[];
  /** Why this run's output shows it did not do its job, or undefined. */
  check: (stdout: string) => string | undefined;
}

const cases: Case[] = [
  {
    name: "start-up: loadgen --help, wall time",
    args: ["--help"],
    check: (stdout) => (/usage/i.test(stdout) ? undefined : `printed no usage text (stdout: ${JSON.stringify(stdout.slice(0, 120))})`),
  },
  {
    name: "start-up: loadgen run -q one-iteration.ts, wall time",
    args: ["run", "-q", path.join("bench", "fixtures", "one-iteration.ts")],
    check: (stdout) => {
      // The end-of-test summary's `iterations....: 1 52.2/s` line.
      const n = /^\s*iterations\.*:\s*(\d+)/m.exec(stdout)?.[1];
      if (n === undefined) return `its summary has no iterations line, so nothing shows it ran (stdout: ${JSON.stringify(stdout.slice(0, 200))})`;
      if (n !== "1") return `ran ${n} iterations, not 1`;
      // The summary lists iterations that threw (the run still exits 0): the scenario did not do what it should.
      const thrown = /iteration errors:\s*\n\s*(.*)/.exec(stdout)?.[1];
      return thrown === undefined ? undefined : `its iteration threw: ${thrown.trim()}`;
    },
  },
];

/** One run's wall time in seconds, or why it is not a measurement. */
function once(c: Case): number | string {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join("bin", "loadgen.js"), ...c.args], { cwd: root, encoding: "utf8", timeout: 60_000, maxBuffer: 1 << 22 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error !== undefined) return `did not run: ${r.error.message}`;
  if (r.status !== 0) return `exited with ${r.signal ?? `code ${r.status}`}: ${tail(r.stderr) || tail(r.stdout) || "no output"}`;
  return c.check(r.stdout) ?? seconds;
}

/** Runs the start-up benchmark; rows with their targets, judged. */
export function benchStartup(): Row[] {
  const rows: Row[] = [];
  for (const c of cases) {
    const label = `loadgen ${c.args.join(" ")}`;
    const warm = once(c);
    if (typeof warm === "string") {
      rows.push({ name: c.name, value: invalid(label, warm) });
      continue;
    }
    const times: number[] = [];
    let bad: string | undefined;
    for (let i = 0; i < RUNS && bad === undefined; i++) {
      const t = once(c);
      if (typeof t === "string") bad = `run ${i + 1} of ${RUNS}: ${t}`;
      else times.push(t);
    }
    if (bad !== undefined) {
      rows.push({ name: c.name, value: invalid(label, bad) });
      continue;
    }
    const m = median(times);
    const verdict = m < TARGET_S ? "ok" : `MISSED (${(m / TARGET_S).toFixed(1)}× the target)`;
    rows.push({ name: `${c.name} (median of ${RUNS})`, value: `${m.toFixed(3)} s`, target: `target < ${TARGET_S} s (k6: 0.07 s): ${verdict}` });
    rows.push({ name: `${c.name} (each run, s)`, value: "", target: times.map((t) => t.toFixed(3)).join(" ") });
  }
  return rows;
}

// `node --import tsx bench/startup-bench.ts` runs it alone (exit 1 when a figure is invalid, not for a missed target).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const row of benchStartup()) printRow(row);
  process.exitCode = finish();
}
