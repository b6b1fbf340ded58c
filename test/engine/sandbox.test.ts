// The sandbox: a VU sees only the stdlib and the k6 globals, cannot import Node modules, and open() reads only
// files below the script's folder, only in the init context.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixture, runScenario, seriesOf, tempScenario } from "../fixtures/run-scenario.ts";

const failedChecks = (o: Awaited<ReturnType<typeof runScenario>>) =>
  seriesOf(o, "checks").filter((s) => s.values.fails! > 0).map((s) => s.tags.check);

test("a VU sees no require, process, Buffer, fetch, setTimeout nor the host's raw entry points", async () => {
  const o = await runScenario(fixture("sandbox-globals.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(failedChecks(o), []);
  assert.ok(seriesOf(o, "checks").length >= 17, "every probe ran");
});

for (const specifier of ["node:fs", "fs", "child_process"]) {
  test(`import "${specifier}" fails at bundle time (exit 107) naming the line`, async () => {
    const script = tempScenario(`import * as m from "${specifier}";\nexport default async function () { void m; }\n`);
    const o = await runScenario(script);
    assert.is(o.exitCode, 107);
    assert.match(o.error!, /scenario\.ts:1:\d+: /);
    assert.match(o.error!, specifier);
  });
}

test("open() in init reads text and binary files below the script's folder; in an iteration it is refused", async () => {
  const o = await runScenario(fixture("open-files.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(failedChecks(o), []);
  assert.is(seriesOf(o, "checks").length, 3);
});

test("open(path, \"b\") gives every byte of a binary file, NUL bytes and all", async () => {
  const script = tempScenario(`import { check } from "loadgen";
const b = new Uint8Array(open("bytes.bin", "b"));
export default function () { check(b, { "all 256 byte values, twice": (x) => x.length === 512 && x.every((v, i) => v === i % 256) }); }
`);
  writeFileSync(path.join(path.dirname(script), "bytes.bin"), Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)));
  const o = await runScenario(script);
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(failedChecks(o), []);
});

const outside = mkdtempSync(path.join(os.tmpdir(), "loadgen-outside-"));
writeFileSync(path.join(outside, "secret.txt"), "s3cret");

for (const [what, file] of [
  ["a ../ path", "../../../package.json"],
  ["an absolute path outside the folder", path.join(outside, "secret.txt")],
  ["/etc/passwd", "/etc/passwd"],
] as const) {
  test(`open() refuses ${what}: the init code fails with exit 107`, async () => {
    const o = await runScenario(fixture("open-path.ts"), { env: { FILE: file } });
    assert.is(o.exitCode, 107);
    assert.match(o.error!, "outside the script's folder");
  });
}

test("open() refuses a symlink below the folder that points outside it", async () => {
  const script = tempScenario(`const t = open("./link.txt");\nexport default async function () { void t; }\n`);
  symlinkSync(path.join(outside, "secret.txt"), path.join(path.dirname(script), "link.txt"));
  const o = await runScenario(script);
  assert.is(o.exitCode, 107);
  assert.match(o.error!, "outside the script's folder");
  assert.not.match(o.error!, "s3cret");
});

test("open() of a missing file names it", async () => {
  const o = await runScenario(fixture("open-path.ts"), { env: { FILE: "data/nope.json" } });
  assert.is(o.exitCode, 107);
  assert.match(o.error!, "data/nope.json");
});

test("__ENV holds only the -e variables, never the process environment", async () => {
  process.env.LOADGEN_TEST_SECRET = "do-not-leak";
  const script = tempScenario(
    `import { check } from "loadgen";\nexport default async function () {\n  check(__ENV, { "only -e vars": (e) => JSON.stringify(e) === '{"A":"1"}' });\n}\n`,
  );
  const o = await runScenario(script, { env: { A: "1" } });
  delete process.env.LOADGEN_TEST_SECRET;
  assert.is(o.exitCode, 0, o.error);
  assert.equal(failedChecks(o), []);
  assert.is(seriesOf(o, "checks").length, 1);
});

test.run();
