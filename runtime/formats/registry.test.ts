// Which format `loadgen run FILE` reads a file as, without running anything: each file goes to exactly the format
// that recognises it, a file of none gets the list of every format, the file is checked with its format's rules, and
// flags that do not apply to it are refused.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidOptionsError } from "../errors.ts";
import type { RunRequest } from "./format.ts";
import { formatOf, INPUT_FORMATS, KNOWN_FORMATS, prepareInput, readInput } from "./registry.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-formats-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const request = (o: Partial<RunRequest> = {}): RunRequest => ({ cli: {}, env: {}, cluster: {}, runId: "formats-test", log: () => {}, ...o });

async function refusal(f: string, r: RunRequest = request()): Promise<InvalidOptionsError> {
  const e = await prepareInput(f, r).then(() => undefined, (x: unknown) => x);
  assert.instance(e, InvalidOptionsError);
  return e as InvalidOptionsError;
}

const PROFILE = "version: 1\nspec:\n  rate: 1\n  total: 1\n  conns: 1\n  client: 1\n  requests:\n  - shares: 1\n    staleList: { version: v1, resource: pods }\n";

test("each file is read as the one format that recognises it", () => {
  const cases: Array<[string, string, string]> = [
    ["scenario.ts", "export default function () {}", "typescript-scenario"],
    ["scenario.js", "export default function () {}", "typescript-scenario"],
    ["profile.yaml", PROFILE, "kperf-profile"],
    ["group.yml", `count: 2\nloadProfile:\n${PROFILE.replace(/^/gm, "  ")}`, "kperf-runner-group"],
    ["workload.yaml", "name: w\ncount: 1\nobject: { templateFile: t.yaml }\n", "kubevirt-workload"],
    ["legacy.yaml", "globalConfig: {qps: 1}\nworkloads: []\n", "kubevirt-workload-legacy"],
  ];
  for (const [name, text, format] of cases) {
    const input = readInput(file(name, text));
    assert.is(formatOf(input).name, format, name);
    assert.is(INPUT_FORMATS.filter((f) => f.detect(input)).length, 1, `${name}: one format only`);
  }
});

test("a YAML file is parsed once, into the input every format detects on", () => {
  const input = readInput(file("p.yaml", PROFILE));
  assert.equal(input.yaml, true);
  assert.is((input.document as { version: number }).version, 1);
  assert.equal(readInput("x.ts"), { path: "x.ts", yaml: false, document: undefined }, "a script is left to the bundler");
});

test("YAML that does not parse, or a file that is not there, is invalid options naming the file", async () => {
  const bad = file("bad.yaml", "a: [1, 2\n");
  const e = await refusal(bad);
  assert.match(e.message, `invalid options in ${bad}`);
  const missing = path.join(dir, "missing.yaml");
  assert.match((await refusal(missing)).problems[0]!, "ENOENT");
});

test("a file of no known format gets the list of every format loadgen runs", async () => {
  const e = await refusal(file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"));
  assert.is(e.problems.length, 1);
  assert.is(KNOWN_FORMATS.length, INPUT_FORMATS.length);
  for (const f of KNOWN_FORMATS) assert.ok(e.problems[0]!.includes(f), f);
});

test("kperf's runner flags are refused for a file of another format, each named", async () => {
  const e = await refusal(file("s.ts", "export default function () {}"), request({ kperf: { overrides: { rate: 5, disableHTTP2: true }, rawData: true } }));
  assert.equal(e.problems, [
    "--rate: applies to kperf load profiles and runner-group specs; this file is a TypeScript/JavaScript scenario",
    "--disable-http2: applies to kperf load profiles and runner-group specs; this file is a TypeScript/JavaScript scenario",
    "--raw-data: applies to kperf load profiles and runner-group specs; this file is a TypeScript/JavaScript scenario",
  ]);
});

test("kperf's flags replace the profile's values with kperf's rules; -d is kperf's --duration in seconds", async () => {
  const spec = "  - rate: 1\n    total: 1\n    conns: 1\n    client: 1\n    requests:\n    - shares: 1\n      staleList: { version: v1, resource: pods }\n";
  const two = file("two.yaml", `version: 1\nspecs:\n${spec}${spec}`);
  const e = await refusal(two, request({ kperf: { overrides: { total: 5 } } }));
  assert.match(e.problems[0]!, "CLI flag overrides are not allowed");
  const d = await refusal(file("d.yaml", PROFILE), request({ cli: { duration: "soon" } }));
  assert.match(d.problems[0]!, '--duration: invalid duration "soon"');
  const logs: string[] = [];
  // Validated, then refused for its threshold: nothing reaches a cluster.
  const t = await refusal(file("t.yaml", PROFILE), request({ cli: { vus: 3 }, thresholds: { k8s_requests: ["p(95)<1"] }, log: (l) => logs.push(l) }));
  assert.match(t.message, "k8s_requests");
  assert.equal(logs, ["WARN  --vus applies to scenarios; a kperf profile sets its clients with --client"]);
});

test.run();
