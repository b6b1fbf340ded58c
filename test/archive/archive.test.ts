// `loadgen archive`: a scenario, the files its init code opens, its resolved options and -e values in one tar that
// `loadgen run` runs from any folder, with no source tree; open() then reads the archive's files and nothing else.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readTar } from "../../runtime/image/tar-reader.ts";
import { fixture, runCli, type CliOutcome } from "../fixtures/run-scenario.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "loadgen-archive-"));
const script = fixture("archive-me.ts");
const work = tmp();

interface SummaryJson {
  metrics: Record<string, { values: Record<string, number> }>;
}

const summaryOf = (file: string) => JSON.parse(readFileSync(file, "utf8")) as SummaryJson;
const counts = (s: SummaryJson) => ({
  iterations: s.metrics.iterations?.values.count,
  users_seen: s.metrics.users_seen?.values.count,
  checks: s.metrics.checks?.values.passes,
  failed_checks: s.metrics.checks?.values.fails,
});
const ok = (r: CliOutcome, code = 0) => assert.is(r.exitCode, code, `exit ${r.exitCode}\n${r.stderr}`);

async function archive(out: string, ...args: string[]): Promise<string> {
  const file = path.join(work, out);
  ok(await runCli(["archive", script, "-o", file, ...args]));
  return file;
}

/** Runs `args` from a fresh empty folder: nothing of the source tree is there. */
function runElsewhere(args: readonly string[]): { cwd: string; run: Promise<CliOutcome> } {
  const cwd = tmp();
  return { cwd, run: runCli(["run", "--no-color", ...args], { cwd }) };
}

test("an archive run from an empty folder gives the summary the scenario's own run gives", async () => {
  const direct = path.join(work, "direct.json");
  const own = await runCli(["run", "--quiet", "--no-color", "-e", "GREETING=hello", "--summary-export", direct, script]);
  ok(own);
  const file = await archive("same.tar", "-e", "GREETING=hello");
  const elsewhere = runElsewhere([path.basename(file), "--summary-export", "summary.json"]);
  copyFileSync(file, path.join(elsewhere.cwd, path.basename(file)));
  const r = await elsewhere.run;
  ok(r);
  const archived = summaryOf(path.join(elsewhere.cwd, "summary.json"));
  assert.equal(counts(archived), counts(summaryOf(direct)));
  assert.equal(counts(archived), { iterations: 6, users_seen: 12, checks: 12, failed_checks: 0 });
  assert.match(r.stderr, "GREETING=hello ROLES=3 AREA=6", "setup read the archived files and the local import");
  assert.match(r.stderr, "test/fixtures/scenarios/archive-me.ts (archive same.tar)", "the run names the scenario it was made from");
});

test("the archive holds its metadata first, the bundle, the files the init code opened, and nothing of the machine's environment", async () => {
  const file = await archive("contents.tar", "-e", "GREETING=hello", "-i", "4");
  const entries = readTar(readFileSync(file));
  assert.equal(entries.map((e) => e.path), ["loadgen-archive.json", "scenario.bundle.js", "scenario.bundle.js.map", "files/data/roles.csv", "files/data/users.json"]);
  const meta = JSON.parse(entries[0]!.data.toString());
  assert.is(meta.input.source, "test/fixtures/scenarios/archive-me.ts");
  assert.is(meta.input.format, "typescript-scenario");
  assert.equal(meta.env, { GREETING: "hello" }, "only -e values; HOME, PATH and the rest of this process's environment stay out");
  assert.is(meta.options.iterations, 4, "-i applied to the options it keeps");
  assert.equal(meta.stdlibImports, ["loadgen", "loadgen/metrics"]);
  assert.equal(entries.find((e) => e.path === "files/data/users.json")!.data.toString(), readFileSync(fixture("data/users.json"), "utf8"));
  const map = JSON.parse(entries[2]!.data.toString());
  assert.ok(map.sources.includes("test/fixtures/scenarios/lib/geometry.ts"), `portable source names: ${map.sources}`);
  assert.not.ok(map.sources.some((s: string) => s.includes(os.tmpdir()) || s.startsWith("/")), "no path of this machine");
});

test("the same scenario and flags give the same archive, byte for byte", async () => {
  const a = readFileSync(await archive("one.tar", "-e", "GREETING=x"));
  const b = readFileSync(await archive("two.tar", "-e", "GREETING=x"));
  assert.ok(a.equals(b));
});

test("-e values are kept in the archive, and a run's own -e replace them", async () => {
  const file = await archive("env.tar", "-e", "GREETING=hello");
  const kept = await runElsewhere([file]).run;
  ok(kept);
  assert.match(kept.stderr, "GREETING=hello");
  const replaced = await runElsewhere(["-e", "GREETING=bye", file]).run;
  ok(replaced);
  assert.match(replaced.stderr, "GREETING=bye");
  assert.not.match(replaced.stderr, "GREETING=hello");
});

test("options are the ones resolved when the archive was made; -u/-d/-i at run replace them as for a script", async () => {
  const file = await archive("opts.tar", "-e", "GREETING=x", "-e", "ITERATIONS=3");
  const plain = runElsewhere([file, "--summary-export", "s.json"]);
  ok(await plain.run);
  // ITERATIONS at run changes __ENV, not the options already resolved (as with k6's archives).
  const envLater = runElsewhere(["-e", "ITERATIONS=9", file, "--summary-export", "s.json"]);
  ok(await envLater.run);
  const flag = runElsewhere(["-i", "2", file, "--summary-export", "s.json"]);
  ok(await flag.run);
  assert.is(counts(summaryOf(path.join(plain.cwd, "s.json"))).iterations, 3);
  assert.is(counts(summaryOf(path.join(envLater.cwd, "s.json"))).iterations, 3);
  assert.is(counts(summaryOf(path.join(flag.cwd, "s.json"))).iterations, 2);
});

test("an archive splits as a script does: two --workers, or the two halves of a segment sequence, do the whole count between them", async () => {
  const file = await archive("split.tar", "-e", "GREETING=x", "-i", "10");
  const workers = runElsewhere(["--workers", "2", file, "--summary-export", "s.json"]);
  const w = await workers.run;
  ok(w);
  assert.match(w.stdout, "workers: 2");
  assert.equal(counts(summaryOf(path.join(workers.cwd, "s.json"))), { iterations: 10, users_seen: 20, checks: 20, failed_checks: 0 }, "each worker read the archive's files");
  const halves = await Promise.all(["0:1/2", "1/2:1"].map(async (segment) => {
    const half = runElsewhere(["--execution-segment", segment, file, "--summary-export", "s.json"]);
    ok(await half.run);
    return counts(summaryOf(path.join(half.cwd, "s.json"))).iterations!;
  }));
  assert.equal(halves, [5, 5]);
});

test("open() in an archive run reads only the archive's files: one it does not hold fails the init code clearly, even when it exists on disk", async () => {
  const file = await archive("sandbox.tar", "-e", "GREETING=x");
  // data/users.json exists beside the original script and in the run's folder; the archive has it only as users.json
  // read by its JSON.parse line, so ROLES=data/other.csv is a file the archive never saw.
  const elsewhere = runElsewhere(["-e", "ROLES=data/other.csv", file]);
  writeFileSync(path.join(elsewhere.cwd, "other.csv"), "a\nb\nc\n");
  const missing = await elsewhere.run;
  ok(missing, 107);
  assert.match(missing.stderr, 'open(): "data/other.csv" is not in the archive');
  assert.match(missing.stderr, "it holds data/roles.csv, data/users.json");
  const outside = await runElsewhere(["-e", "ROLES=/etc/passwd", file]).run;
  ok(outside, 107);
  assert.match(outside.stderr, 'open(): "/etc/passwd" is not below the script\'s folder');
  assert.not.match(outside.stderr, "root:");
  const up = await runElsewhere(["-e", "ROLES=../../../package.json", file]).run;
  ok(up, 107);
  assert.match(up.stderr, "is not below the script's folder");
});

test("an archive is recognised by its content, whatever its name; gzipped ones too", async () => {
  const file = await archive("named.tar", "-e", "GREETING=x");
  const renamed = path.join(work, "scenario-bundle.bin");
  copyFileSync(file, renamed);
  ok(await runElsewhere([renamed]).run);
  const gz = await archive("zipped.tar.gz", "-e", "GREETING=gz");
  assert.is(readFileSync(gz)[0], 0x1f, "gzip magic");
  const r = await runElsewhere([gz]).run;
  ok(r);
  assert.match(r.stderr, "GREETING=gz");
});

test("a tar that is not a loadgen archive, and a damaged archive, are refused with exit 104 naming the file and the problem", async () => {
  const file = await archive("good.tar", "-e", "GREETING=x");
  const bytes = readFileSync(file);
  // A tar whose first entry is not loadgen-archive.json.
  const other = Buffer.from(bytes);
  other.write("notes.txt\0", 0, "latin1");
  other.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += other[i]!;
  other.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  const otherFile = path.join(work, "other.tar");
  writeFileSync(otherFile, other);
  const notOurs = await runElsewhere([otherFile]).run;
  ok(notOurs, 104);
  assert.match(notOurs.stderr, "other.tar");
  assert.match(notOurs.stderr, "a tar file, but not a loadgen archive");
  // The users.json entry edited in place: its digest no longer matches the metadata.
  const damaged = Buffer.from(bytes);
  const at = damaged.indexOf('[{"name":"alice"}');
  damaged.write("[", at + 1, "latin1");
  const damagedFile = path.join(work, "damaged.tar");
  writeFileSync(damagedFile, damaged);
  const r = await runElsewhere([damagedFile]).run;
  ok(r, 104);
  assert.match(r.stderr, "data/users.json in the archive does not match its size and SHA-256");
});

test("loadgen inspect FILE.tar prints the options the archive runs with and what it holds", async () => {
  const file = await archive("inspect.tar", "-e", "GREETING=hi", "-u", "3", "-d", "5s", "--threshold", "users_seen=count>0");
  const r = await runCli(["inspect", file], { cwd: tmp() });
  ok(r);
  const out = JSON.parse(r.stdout);
  assert.is(out.scenarios.default.executor, "constant-vus");
  assert.is(out.scenarios.default.vus, 3);
  assert.equal(out.archive.env, { GREETING: "hi" });
  assert.equal(out.archive.files.map((f: { path: string }) => f.path), ["data/roles.csv", "data/users.json"]);
  assert.equal(out.archive.thresholds, { users_seen: ["count>0"] });
  assert.is(out.archive.input.source, "test/fixtures/scenarios/archive-me.ts");
});

test("a script whose init code fails cannot be archived: the error and exit code are loadgen run's", async () => {
  const r = await runCli(["archive", fixture("init-error.ts"), "-o", path.join(work, "never.tar")]);
  assert.is(r.exitCode, 107);
  assert.match(r.stderr, "init-error.ts:");
});

test.run();
