// Reading kperf's formats without a cluster: the runner-group spec files kperf ships (test/fixtures/kperf, unchanged),
// the weighted fields in both of kperf's layouts, time-series buckets, and the problems of bad files, each naming its
// field path (and, through loadgen run's input formats, the file).
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidOptionsError } from "../../runtime/errors.ts";
import { FieldProblems } from "../../runtime/kperf/fields.ts";
import { isKperfProfile, parseKperfProfile, type KperfSpec, type TimeSeriesSpec, type WeightedSpec } from "../../runtime/kperf/profile.ts";
import { isRunnerGroupSpec, parseRunnerGroupSpec } from "../../runtime/kperf/runner-group.ts";
import { profileAccess } from "../../runtime/kperf/profile-access.ts";
import { KNOWN_FORMATS } from "../../runtime/formats/registry.ts";
import { runFile } from "../fixtures/run-scenario.ts";

const fixtures = fileURLToPath(new URL("../fixtures/kperf/", import.meta.url));
const load = (name: string): unknown => yaml.load(readFileSync(path.join(fixtures, name), "utf8"));
const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kperf-parse-"));

function weighted(spec: KperfSpec | undefined): WeightedSpec {
  assert.ok(spec !== undefined && spec.mode !== "time-series", "a weighted spec");
  return spec as WeightedSpec;
}

/** The problems parsing reports (the test fails if it does not throw). */
function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (e) {
    if (e instanceof FieldProblems) return [...e.problems];
    throw e;
  }
  assert.unreachable("expected problems");
  return [];
}

test("kperf's runner-group files are recognised by count + loadProfile and give the profile they wrap", () => {
  const node10 = load("node10_job1_pod100.yaml");
  assert.ok(isRunnerGroupSpec(node10));
  assert.not.ok(isKperfProfile(node10), "not a bare load profile");
  const g = parseRunnerGroupSpec(node10);
  assert.is(g.count, 1);
  assert.equal(g.groupFields, ["count"]);
  assert.is(g.profile.specs.length, 1);
  const s = weighted(g.profile.specs[0]);
  assert.equal([s.rate, s.total, s.duration, s.conns, s.client, s.contentType, s.disableHTTP2, s.maxRetries], [10, 1000, 0, 10, 10, "json", false, 0]);
  assert.equal(s.requests.map((r) => [r.kind, r.shares]), [["staleList", 1000], ["quorumList", 100], ["quorumList", 100]]);
  assert.equal(g.profile.notes, []);

  // Neither total nor duration: kperf runner run's default total, said in a note.
  const list = parseRunnerGroupSpec(load("list_configmaps.yaml"));
  assert.is(list.count, 10);
  assert.is(weighted(list.profile.specs[0]).total, 1000);
  assert.is(list.profile.notes.length, 1);
  assert.match(list.profile.notes[0]!, "loadProfile.specs[0] sets neither total nor duration: total 1000");

  const rw = parseRunnerGroupSpec(load("read_update.yaml"));
  const patch = weighted(rw.profile.specs[0]).requests[1]!;
  assert.is(patch.kind, "patch");
  if (patch.kind !== "patch") return;
  assert.equal([patch.name, patch.keySpaceSize, patch.patchType], ["runkperf-cm-kperf-read-update", 100, "merge"]);
  assert.equal(JSON.parse(patch.body), { metadata: { labels: { "test-label": "mutation-test" } } });
});

test("a runner group's runners are granted exactly what the profile's requests need (verbs per resource), for kperf's files", () => {
  const access = (name: string) => profileAccess(parseRunnerGroupSpec(load(name)).profile).map((r) => `${r.apiGroups.join(",") || "core"}/${r.resources.join(",")}: ${r.verbs.join(",")}`);
  assert.equal(access("node10_job1_pod100.yaml"), ["core/events: list", "core/pods: list"]);
  assert.equal(access("list_configmaps.yaml"), ["core/configmaps: list"]);
  assert.equal(access("read_update.yaml"), ["core/configmaps: list,patch"]);
  // Exact requests (time-series): each method's verb.
  assert.equal(access("timeseries_simple.yaml"), ["core/configmaps: get,list", "core/events: list", "core/pods: get,list"]);
});

test("kperf's time-series example (PR #223) gives its buckets in order, with each exact request's fields", () => {
  const g = parseRunnerGroupSpec(load("timeseries_simple.yaml"));
  assert.is(g.count, 10);
  const s = g.profile.specs[0] as TimeSeriesSpec;
  assert.is(s.mode, "time-series");
  assert.equal([s.conns, s.client, s.contentType, s.disableHTTP2, s.maxRetries], [10, 100, "json", false, 0]);
  assert.equal(s.buckets.map((b) => b.startTime), [0, 1, 2]);
  assert.equal(
    s.buckets.map((b) => b.requests.map((r) => `${r.method} ${r.gvr.resource}${r.name ? "/" + r.name : ""}`)),
    [["LIST pods", "LIST configmaps"], ["GET pods/test-pod-1", "LIST pods"], ["LIST events", "GET configmaps/test-cm-1"]],
  );
  const first = s.buckets[0]!.requests;
  assert.equal([first[0]!.namespace, first[0]!.resourceVersion, first[0]!.limit], ["default", "0", 0]);
  assert.equal([first[1]!.resourceVersion, first[1]!.limit], ["", 100]);
});

test("the runner-group fields besides count are listed for the log, and checked for shape", () => {
  const profile = { version: 1, specs: [{ rate: 0, total: 5, conns: 1, client: 1, requests: [{ shares: 1, staleList: { version: "v1", resource: "pods" } }] }] };
  const g = parseRunnerGroupSpec({ count: 3, nodeAffinity: { "node.kubernetes.io/instance-type": ["n1", "n2"] }, serviceAccount: "kperf", ownerReference: "v1:Pod:owner:1234-abcd", loadProfile: profile });
  assert.equal(g.groupFields, ["count", "nodeAffinity", "serviceAccount", "ownerReference"]);
  const problems = problemsOf(() => parseRunnerGroupSpec({ count: "ten", nodeAffinity: { zone: "a" }, ownerReference: "Pod:x", loadProfile: { ...profile, version: 2 } }));
  assert.equal(problems, [
    'count: must be a number, got "ten"',
    "count: count requires > 0: 0",
    "nodeAffinity.zone: must be a list of label values (strings)",
    'ownerReference: "Pod:x" own reference is not apiVersion:kind:name:uid format',
    "loadProfile.version: version should be 1, got 2",
  ]);
});

test("weighted fields are read at the spec's top level (kperf main) and under modeConfig with mode: weighted-random (PR #223)", () => {
  const requests = [{ shares: 3, staleGet: { version: "v1", resource: "namespaces", name: "default" } }, { shares: 1, quorumList: { version: "v1", resource: "pods", limit: 10 } }];
  const common = { conns: 2, client: 4, contentType: "protobuf", maxRetries: 2 };
  const main = parseKperfProfile({ version: 1, specs: [{ ...common, rate: 50, duration: 7, requests }] });
  const moded = parseKperfProfile({ version: 1, spec: { ...common, mode: "weighted-random", modeConfig: { rate: 50, duration: 7, requests } } });
  const { mode, ...rest } = weighted(moded.specs[0]);
  assert.is(mode, "weighted-random");
  assert.equal(rest, main.specs[0]);
  assert.equal([rest.rate, rest.total, rest.duration, rest.conns, rest.client, rest.contentType, rest.maxRetries], [50, 0, 7, 2, 4, "protobuf", 2]);
});

test("weighted problems name their field path, keep kperf's message, and are all listed", () => {
  const problems = problemsOf(() =>
    parseKperfProfile({
      version: 1,
      specs: [
        { rate: 1, total: 1, conns: 0, client: 1, requests: [{ shares: 1, staleList: { version: "v1", resource: "pods", limit: 5 } }] },
        { rate: -1, duration: 1, conns: 1, client: 1, requests: [{ shares: 1, staleGet: { version: "v1", resource: "pods" } }, { shares: 1 }, { shares: 1, put: { resource: "configmaps", name: "p", keySpaceSize: 1, payloadSize: 0 } }] },
        { total: 0, duration: 0, conns: 1, client: 1, requests: [{ shares: 1, watchList: { version: "v1", resource: "pods" } }] },
        { mode: "poisson", conns: 1, client: 1 },
        { conns: 1, client: 1, modeConfig: { total: 1 } },
        { mode: "weighted-random", conns: 1, client: 1, total: 1, modeConfig: { total: 1, requests: [{ shares: 1, staleList: { version: "v1", resource: "pods" } }] } },
        { mode: "time-series", conns: 1, client: 1 },
      ],
    }),
  );
  assert.equal(problems, [
    "specs[0].conns: conns requires > 0: 0",
    "specs[0].requests[0].staleList.limit: stale list doesn't support pagination option: https://github.com/kubernetes/kubernetes/issues/108003",
    "specs[1].rate: rate requires >= 0: -1",
    "specs[1].requests[0].staleGet.name: name is required",
    "specs[1].requests[1]: empty request value: one of staleList, quorumList, watchList, staleGet, quorumGet, put, patch, getPodLog, postDel",
    "specs[1].requests[2].put.version: version is required",
    "specs[1].requests[2].put.payloadSize: payloadSize must > 0",
    "specs[2].total: total requires > 0: 0 or duration > 0s: 0",
    "specs[3].mode: unsupported execution mode: poisson (weighted-random or time-series)",
    "specs[4].mode: mode is required with modeConfig (weighted-random or time-series)",
    "specs[5].total: with mode: weighted-random, rate, total, duration and requests go under modeConfig",
    "specs[6].modeConfig: modeConfig is required",
  ]);
});

test("time-series problems name the field path below loadProfile.spec.modeConfig.buckets", () => {
  const bucket = (startTime: unknown, requests: unknown[]) => ({ startTime, requests });
  const ok = { method: "LIST", version: "v1", resource: "pods" };
  const problems = problemsOf(() =>
    parseRunnerGroupSpec({
      count: 1,
      loadProfile: {
        version: 1,
        spec: {
          conns: 1,
          client: 1,
          rate: 5,
          mode: "time-series",
          modeConfig: {
            buckets: [
              bucket(0, [ok, { method: "list", version: "v1", resource: "pods" }]),
              bucket(2, [{ ...ok, selector: "app=x" }, { method: "GET", version: "v1", resource: "pods", limit: 3 }]),
              bucket(1, [{ method: "WATCH", version: "v1", resource: "pods" }, { method: "PATCH", version: "v1", resource: "configmaps", name: "c", patchType: "strategic", body: "{" }]),
              bucket(3, [{ method: "POST", resource: "configmaps", body: "[1]" }, { method: "DELETE", version: "v1", resource: "pods/log", name: "a/b" }]),
              { requests: [ok] },
            ],
          },
        },
      },
    }),
  );
  assert.equal(problems, [
    "loadProfile.spec.rate: not used in time-series mode (the buckets' startTimes set the pace and list every request)",
    'loadProfile.spec.modeConfig.buckets[0].requests[1].method: unsupported method "list": kperf matches methods in upper case (LIST)',
    "loadProfile.spec.modeConfig.buckets[1].requests[0].selector: unknown field (time-series requests spell it labelSelector); known: method, group, version, resource, namespace, name, body, patchType, labelSelector, fieldSelector, limit, resourceVersion",
    "loadProfile.spec.modeConfig.buckets[1].requests[1].limit: not used by GET (it is for LIST)",
    "loadProfile.spec.modeConfig.buckets[1].requests[1].name: name is required for GET",
    "loadProfile.spec.modeConfig.buckets[2].startTime: 1 is before loadProfile.spec.modeConfig.buckets[1].startTime (2): buckets replay in list order, so list them by startTime",
    'loadProfile.spec.modeConfig.buckets[2].requests[0].method: unsupported method "WATCH": one of GET, LIST, POST, PUT, PATCH, DELETE',
    "loadProfile.spec.modeConfig.buckets[2].requests[1].patchType: unknown patch type: strategic (valid types: json, merge, strategic-merge)",
    'loadProfile.spec.modeConfig.buckets[2].requests[1].body: invalid JSON in patch body: "{"',
    "loadProfile.spec.modeConfig.buckets[3].requests[0].version: version is required",
    "loadProfile.spec.modeConfig.buckets[3].requests[0].body: POST sends an object: body must be a JSON object",
    'loadProfile.spec.modeConfig.buckets[3].requests[1].resource: "pods/log" is not a resource (subresources are not supported)',
    'loadProfile.spec.modeConfig.buckets[3].requests[1].name: "a/b" is not a valid name',
    "loadProfile.spec.modeConfig.buckets[4].startTime: startTime is required (seconds from the start of the spec)",
  ]);
});

test("overrides replace the first spec's values as kperf runner run's flags do, and are refused where kperf refuses them", () => {
  const spec = { rate: 10, total: 1000, conns: 10, client: 10, requests: [{ shares: 1, staleList: { version: "v1", resource: "pods" } }] };
  const s = weighted(parseKperfProfile({ version: 1, specs: [spec] }, { overrides: { rate: 0, client: 2 } }).specs[0]);
  assert.equal([s.rate, s.total, s.client, s.conns], [0, 1000, 2, 10]);
  assert.equal(problemsOf(() => parseKperfProfile({ version: 1, specs: [spec, spec] }, { overrides: { rate: 0 } })), ["specs: CLI flag overrides are not allowed when config has multiple specs (rate)"]);
  const ts = { conns: 1, client: 1, mode: "time-series", modeConfig: { buckets: [{ startTime: 0, requests: [{ method: "LIST", version: "v1", resource: "pods" }] }] } };
  assert.equal(problemsOf(() => parseKperfProfile({ version: 1, spec: ts }, { overrides: { total: 5 } })), ["spec.mode: time-series mode does not support CLI overrides (total)"]);
  assert.is((parseKperfProfile({ version: 1, spec: ts }, { overrides: { client: 4 } }).specs[0] as TimeSeriesSpec).client, 4);
});

test("loadgen run names the file and every field problem, and lists every format it runs for a file that is none", async () => {
  const o = { cluster: {}, runId: "parse-test", log: () => {}, signal: new AbortController().signal };
  const bad = path.join(tmp, "bad-group.yaml");
  writeFileSync(bad, "count: 2\nloadProfile:\n  version: 1\n  spec:\n    conns: 1\n    client: 0\n    mode: time-series\n    modeConfig:\n      buckets:\n      - startTime: 0\n        requests:\n        - method: GET\n          version: v1\n          resource: pods\n");
  const e = await runFile(bad, o).then(() => undefined, (err: unknown) => err);
  assert.instance(e, InvalidOptionsError);
  const err = e as InvalidOptionsError;
  assert.is(err.exitCode, 104);
  assert.match(err.message, `invalid options in ${bad}`);
  assert.equal(err.problems, ["loadProfile.spec.client: client requires > 0: 0", "loadProfile.spec.modeConfig.buckets[0].requests[0].name: name is required for GET"]);

  const other = path.join(tmp, "configmap.yaml");
  writeFileSync(other, "apiVersion: v1\nkind: ConfigMap\n");
  const u = (await runFile(other, o).then(() => undefined, (x: unknown) => x)) as InvalidOptionsError;
  assert.instance(u, InvalidOptionsError);
  assert.is(u.problems.length, 1);
  assert.match(u.problems[0]!, "not a format loadgen runs");
  assert.is(KNOWN_FORMATS.length, 6);
  for (const f of KNOWN_FORMATS) assert.ok(u.problems[0]!.includes(f), f);
  for (const needle of ["made by `loadgen archive`", ".ts or .js", "version: 1 with spec or specs", "count and loadProfile", "name, object.templateFile and count or type", "globalConfig and workloads[]"]) {
    assert.ok(u.problems[0]!.includes(needle), needle);
  }
});

test.run();
