// watch and waitFor against the local kube-apiserver: events in order, the streaming-list bookmark, a 410 Gone
// turned into a RELIST, waitFor by count/condition/deletion and its timeout; watch events are counted by type.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterStatus } from "../../runtime/cluster/local-cluster.ts";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";
import { count, errorsOf, failedChecks, runK8sScenario } from "./helpers.ts";

let ns = "";
test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-watch");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

test("watch delivers ADDED, MODIFIED and DELETED in order and counts them in k8s_watch_events", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  const start = await k8s.list("configmaps", { namespace: ns, labelSelector: "w=1", decode: true });
  const w = k8s.watch("configmaps", { namespace: ns, labelSelector: "w=1", resourceVersion: start.resourceVersion });
  await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w-1", labels: { w: "1" } }, data: { v: "1" } }, { namespace: ns });
  await k8s.patch("configmaps", "w-1", { data: { v: "2" } }, { namespace: ns });
  await k8s.delete("configmaps", "w-1", { namespace: ns });
  const seen = [];
  for await (const ev of w) {
    seen.push(ev.type + ":" + ev.object.metadata.name + ":" + (ev.object.data?.v ?? ""));
    if (ev.type === "DELETED") break;
  }
  check(seen, { "events in order": (s) => s.join(",") === "ADDED:w-1:1,MODIFIED:w-1:2,DELETED:w-1:2" });
  let closed = "";
  try { await w.poll(10); closed = "open"; } catch (e) { closed = "closed"; }
  check(closed, { "break closed the watch": (c) => c === "open" || c === "closed" });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  for (const type of ["ADDED", "MODIFIED", "DELETED"]) assert.is(count(run, "k8s_watch_events", { verb: "watch", resource: "configmaps", type }), 1, type);
  assert.ok(count(run, "k8s_requests", { verb: "watch", status: "200" }) >= 1);
});

test("a streaming list (sendInitialEvents) ends its initial events with a bookmark the scenario can ask for", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  for (let i = 0; i < 3; i++) await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sl-" + i, labels: { sl: "1" } } }, { namespace: ns });
  const w = k8s.watch("configmaps", { namespace: ns, labelSelector: "sl=1", sendInitialEvents: true, bookmarks: true });
  let added = 0;
  let bookmark;
  for await (const ev of w) {
    if (ev.type === "ADDED") added++;
    if (ev.type === "BOOKMARK") { bookmark = ev.object; break; }
  }
  check(added, { "every existing object as ADDED": (n) => n === 3 });
  check(bookmark, { "then the initial-events-end bookmark": (b) => b.metadata.annotations["k8s.io/initial-events-end"] === "true" });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
});

test("a watch from a compacted resourceVersion (410 Gone) lists again and hands over a RELIST event, then carries on", async () => {
  // Fault injection: compact etcd's history now (through its JSON gateway), so that resourceVersion 1 is gone. The
  // resource is PodTemplates, which the local API server serves without a watch cache (runtime/cluster/apiserver.ts):
  // a young watch cache would replay its whole history to a watch from resourceVersion 1 instead of answering 410.
  const etcd = (await clusterStatus()).components.find((c) => c.name === "etcd")!;
  const head = (await (await fetch(`http://127.0.0.1:${etcd.port}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }) })).json()) as { header: { revision: string } };
  const compact = await fetch(`http://127.0.0.1:${etcd.port}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: head.header.revision, physical: true }) });
  assert.ok(compact.ok || (await compact.text()).includes("compacted"), "etcd compaction");
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  const template = (name) => ({ apiVersion: "v1", kind: "PodTemplate", metadata: { name, labels: { g: "1" } }, template: { spec: { containers: [{ name: "c", image: "example.invalid/c" }] } } });
  await k8s.create(template("g-0"), { namespace: ns });
  const w = k8s.watch("podtemplates", { namespace: ns, labelSelector: "g=1", resourceVersion: "1" });
  const first = await w.next();
  check(first.value, { "the first event is a RELIST with the current objects": (ev) => ev.type === "RELIST" && ev.object.items.length === 1 && ev.object.items[0].metadata.name === "g-0" });
  await k8s.create(template("g-1"), { namespace: ns });
  const next = await w.next();
  check(next.value, { "then it watches on from the list": (ev) => ev.type === "ADDED" && ev.object.metadata.name === "g-1" });
  await w.close();
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(count(run, "k8s_watch_events", { type: "RELIST" }), 1);
});

test("waitFor: a count of objects meeting a condition, every object, deletion, and a clear timeout", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  const sel = "wf=1";
  for (let i = 0; i < 4; i++) await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "wf-" + i, labels: { wf: "1" } }, data: { ready: "no" } }, { namespace: ns });
  const waiting = k8s.waitFor("configmaps", { namespace: ns, labelSelector: sel, until: { path: "data.ready", equals: "yes" }, count: 2, timeout: "20s" });
  await k8s.patch("configmaps", "wf-1", { data: { ready: "yes" } }, { namespace: ns });
  await k8s.patch("configmaps", "wf-3", { data: { ready: "yes" } }, { namespace: ns });
  const r = await waiting;
  check(r, { "count reached": (x) => x.matched === 2 && x.total === 4 });
  const every = k8s.waitFor("configmaps", { namespace: ns, labelSelector: sel, until: (o) => o.data.ready === "yes", timeout: "20s" });
  await k8s.patch("configmaps", "wf-0", { data: { ready: "yes" } }, { namespace: ns });
  await k8s.patch("configmaps", "wf-2", { data: { ready: "yes" } }, { namespace: ns });
  check(await every, { "every object": (x) => x.matched === 4 && x.total === 4 });
  const one = await k8s.waitFor("configmaps", { namespace: ns, name: "wf-2", until: "exists" });
  check(one, { "one object by name": (x) => x.total === 1 });
  let timeout = "";
  try { await k8s.waitFor("configmaps", { namespace: ns, labelSelector: sel, until: { path: "data.ready", equals: "never" }, timeout: "1s" }); } catch (e) { timeout = e.code + ": " + e.message; }
  check(timeout, { "timeout says how far it got": (t) => t.startsWith("WaitTimeout") && t.includes("0 of 4 object(s) met the condition") });
  const gone = k8s.waitFor("configmaps", { namespace: ns, labelSelector: sel, until: "deleted", timeout: "20s" });
  await k8s.deleteCollection("configmaps", { namespace: ns, labelSelector: sel });
  check(await gone, { "until deleted": (x) => x.total === 0 });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
});

test.run();
