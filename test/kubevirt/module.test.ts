// loadgen/kubevirt against the local cluster (real kube-apiserver, kwok Stages for KubeVirt's controllers): VMIs and
// VMs created from the built-in templates, every phase measured once per VMI (also across a watch restart), the SLI
// tables, bad input, and VMIs that do not reach Running before a wait's timeout.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { count, errorsOf, failedChecks, report, runK8sScenario, trendCount, vmisOfRun } from "./helpers.ts";

const PHASES = ["Pending", "Scheduling", "Scheduled", "Running"];

test("VMIs created through loadgen/kubevirt reach Running: each phase measured once per VMI, even across watch restarts; three tables; nothing left", async () => {
  const run = await runK8sScenario(`
import * as kv from "loadgen/kubevirt";
import { check } from "loadgen";
export const options = { scenarios: { c: { executor: "shared-iterations", vus: 5, iterations: 20 } } };
export async function setup() { return { ns: await kv.createNamespace() }; }
export default async function (d) {
  const v = await kv.createVMI({ namespace: d.ns });
  // Restarts while VMIs are on their way up: phases seen again must not count again.
  if (v.name.endsWith("-7") || v.name.endsWith("-15")) await kv.resync();
}
export async function teardown(d) {
  const r = await kv.waitForPhase("Running", { namespace: d.ns, count: 20, timeout: "60s" });
  check(r, { "20 Running": (x) => !x.timedOut && x.reached === 20 && x.total === 20 });
  await kv.resync();
  const again = await kv.waitForPhase("Running", { namespace: d.ns, timeout: "10s" });
  check(again, { "still 20 after a resync": (x) => x.reached === 20 && x.total === 20 });
  check(kv.vmis({ namespace: d.ns }), { "the tracker lists 20 Running": (l) => l.length === 20 && l.every((v) => v.phase === "Running") });
  const n = await kv.deleteAll("vmi", { namespace: d.ns });
  check(n, { "20 deleted": (x) => x === 20 });
  const g = await kv.waitForDeleted("vmi", { namespace: d.ns, timeout: "60s" });
  check(g, { "all gone": (x) => x.remaining === 0 && !x.timedOut });
  await kv.deleteNamespace(d.ns, { wait: false });
}
`);
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  for (const phase of PHASES) assert.is(trendCount(run, "vmi_phase_seconds", { phase }), 20, `${phase} measured once per VMI`);
  assert.is(trendCount(run, "vmi_creation_to_running_seconds"), 20);
  assert.is(trendCount(run, "vmi_deletion_seconds"), 20, "each deletion measured");
  assert.is(count(run, "objects_created", { kind: "VirtualMachineInstance" }), 20);
  const r = report(run);
  assert.is(r.tables.length, 3, r.tables.map((t) => t.title).join("\n"));
  assert.equal(r.tables[0]!.rows[0]!.slice(0, 3), ["VirtualMachineInstance", 20, 0]);
  assert.equal(r.tables[1]!.rows.map((row) => [row[0], row[1]]), PHASES.map((p) => [p, 20]));
  const create = r.tables[2]!.rows.find((row) => row[0] === "CREATE");
  assert.ok(create && Number(create[3]) >= 20, `REST table counts the VMI creates: ${JSON.stringify(r.tables[2])}`);
  assert.ok(r.data.tracker.restarts >= 3, "the watch was restarted");
  const running = r.data.phases.Running.creationToPhaseSeconds;
  assert.ok(running.p50 > 0.3 && running.p50 < 10, `creation → Running p50 ${running.p50} s is plausible for the default stage timing`);
  assert.is(await vmisOfRun(run.prepared!.runId), 0, "no VMI left behind");
});

test("VMs: their VMIs are tracked from the VM's template labels; stopVM, startVM and deleting the VM", async () => {
  const run = await runK8sScenario(`
import * as kv from "loadgen/kubevirt";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = await kv.createNamespace();
  for (let i = 0; i < 5; i++) await kv.createVM({ namespace: ns });
  const halted = await kv.createVM({ namespace: ns, name: "halted", running: false });
  const r = await kv.waitForPhase("Running", { namespace: ns, count: 5, timeout: "60s" });
  check(r, { "5 VMIs of VMs Running": (x) => !x.timedOut && x.reached === 5 });
  check(kv.vmis({ namespace: ns }), { "no VMI for the halted VM": (l) => !l.some((v) => v.name === "halted") });
  await kv.stopVM(halted.name, { namespace: ns });
  await kv.startVM("halted", { namespace: ns });
  const s = await kv.waitForPhase("Running", { namespace: ns, name: "halted", timeout: "60s" });
  check(s, { "a started VM's VMI runs": (x) => !x.timedOut });
  await kv.deleteAll("vm", { namespace: ns });
  const g = await kv.waitForDeleted("vmi", { namespace: ns, timeout: "60s" });
  check(g, { "the VMs' VMIs are gone with them": (x) => x.remaining === 0 });
  await kv.deleteNamespace(ns, { wait: false });
}
`);
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(count(run, "objects_created", { kind: "VirtualMachine" }), 6);
  assert.is(trendCount(run, "vmi_phase_seconds", { phase: "Running" }), 6);
  const rows = report(run).tables[0]!.rows;
  assert.ok(rows.some((row) => row[0] === "VirtualMachine" && row[1] === 6), JSON.stringify(rows));
  assert.ok(rows.some((row) => row[0] === "VirtualMachineInstance (by controllers)" && row[1] === 6), JSON.stringify(rows));
  assert.is(await vmisOfRun(run.prepared!.runId), 0);
});

test("bad input: a template variable that is not defined, YAML that does not parse, an unknown template, a VMI the API server rejects", async () => {
  const run = await runK8sScenario(`
import * as kv from "loadgen/kubevirt";
import { check } from "loadgen";
export const options = { iterations: 1 };
async function failure(fn) {
  try { await fn(); return "no error"; } catch (e) { return e.name + " " + e.code + " " + e.status + ": " + e.message; }
}
export default async function () {
  const ns = await kv.createNamespace();
  const undef = await failure(() => kv.create("apiVersion: kubevirt.io/v1\\nkind: VirtualMachineInstance\\nmetadata:\\n  name: x-{{.nope}}\\n", { namespace: ns }));
  console.log(undef);
  check(undef, { "undefined variable named": (m) => m.startsWith("K8sError InvalidTemplate 0") && m.includes("{{.nope}}") });
  const yaml = await failure(() => kv.create("apiVersion: kubevirt.io/v1\\nkind: VirtualMachineInstance\\nmetadata:\\n  name: [oops\\n", { namespace: ns }));
  console.log(yaml);
  check(yaml, { "YAML error with its line": (m) => m.startsWith("K8sError InvalidObject 0") && /\\(\\d+:\\d+\\)/.test(m) });
  const unknown = await failure(() => kv.createVMI({ namespace: ns, template: "vmi-nonexistent" }));
  check(unknown, { "unknown built-in named": (m) => m.includes("InvalidTemplate") && m.includes("vmi-ephemeral") });
  const rejected = await failure(() => kv.createVMI({ namespace: ns, name: "Not_A_Valid_Name" }));
  console.log(rejected);
  check(rejected, { "rejected by the API server": (m) => m.startsWith("K8sError Invalid 422") });
  const vmi = await kv.createVMI({ namespace: ns });
  const r = await kv.waitForPhase("Running", { namespace: ns, timeout: "60s" });
  check(r, { "the good VMI still runs": (x) => !x.timedOut && x.reached === 1 });
  await kv.deleteVMI(vmi.name, { namespace: ns });
  await kv.waitForDeleted("vmi", { namespace: ns });
  await kv.deleteNamespace(ns, { wait: false });
}
`);
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  const rows = report(run).tables[0]!.rows;
  assert.equal(rows[0]!.slice(0, 3), ["VirtualMachineInstance", 1, 1], "one created, one refused by the server");
  assert.ok(count(run, "k8s_request_errors", { status: "422" }) === 1);
});

test("VMIs that do not reach Running before the timeout are reported with their last phase and counted; the run goes on to clean up", async () => {
  const run = await runK8sScenario(`
import * as kv from "loadgen/kubevirt";
import { check } from "loadgen";
export const options = { iterations: 1, thresholds: { vmi_phase_timeouts: ["count==0"] } };
export default async function () {
  const ns = await kv.createNamespace();
  for (let i = 0; i < 3; i++) await kv.createVMI({ namespace: ns });
  // The local cluster's stages need at least 400 ms from creation to Running.
  const r = await kv.waitForPhase("Running", { namespace: ns, timeout: "250ms" });
  check(r, { "timed out": (x) => x.timedOut && x.reached === 0 && x.notReached.length === 3 });
  check(r.notReached, { "last phases reported": (l) => l.every((v) => ["", "Pending", "Scheduling"].includes(v.phase)) });
  const missing = await kv.waitForPhase("Running", { namespace: ns, count: 5, timeout: "3s" });
  check(missing, { "two never created": (x) => x.timedOut && x.reached === 3 && x.expected === 5 });
}
`);
  assert.is(run.exitCode, 99, "the threshold on vmi_phase_timeouts fails the run:\n" + errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(count(run, "vmi_phase_timeouts", { phase: "Running" }), 5);
  assert.is(count(run, "vmi_phase_timeouts", { phase: "Running", last_phase: "absent" }), 2);
  assert.ok(run.logs.some((l) => /0 of 3 VMIs reached Running within 0.25s; 3 did not: .*\((no phase|Pending|Scheduling)\)/.test(l)), run.logs.join("\n"));
  const r = report(run);
  const timeouts = r.tables.find((t) => t.title.includes("did not reach"));
  assert.ok(timeouts, "a table of the VMIs that timed out");
  // No teardown deleted them: the module's own cleanup did, before the run ended.
  assert.ok(run.logs.some((l) => l.includes("were left; deleting them")), run.logs.join("\n"));
  assert.is(await vmisOfRun(run.prepared!.runId), 0, "nothing left behind");
});

test.run();
