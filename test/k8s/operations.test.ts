// Every loadgen/k8s operation against the real local kube-apiserver, through a scenario as a user writes it: the
// checks inside the scenario say what the API returned, and the assertions here read what a user reads afterwards
// (exit code, failed checks, metric tags). Objects live in a namespace of this file's own.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";
import { checkNames, count, errorsOf, failedChecks, runK8sScenario, series } from "./helpers.ts";

let ns = "";
test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-ops");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

test("create, get (stale and quorum), update, patch (merge, json, strategic, apply), delete a ConfigMap", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  const created = await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-a" }, data: { a: "1" } }, { namespace: ns, decode: true });
  check(created, {
    "create returns the object": (o) => o.metadata.name === "cm-a" && o.data.a === "1",
    "create adds the run label": (o) => o.metadata.labels["loadgen.io/run"] === k8s.runId,
    "create adds the scenario label": (o) => o.metadata.labels["loadgen.io/scenario"] === "default",
  });
  const plain = await k8s.get("configmaps", "cm-a", { namespace: ns });
  check(plain, { "get without decode is status and bytes": (r) => r.status === 200 && r.bytes > 50 && r.metadata === undefined });
  const stale = await k8s.get("cm", "cm-a", { namespace: ns, consistency: "stale", decode: true });
  check(stale, { "stale get by short name": (o) => o.metadata.name === "cm-a" });
  const cur = await k8s.get("ConfigMap", "cm-a", { namespace: ns, decode: true });
  cur.data = { a: "2" };
  const updated = await k8s.update(cur, { decode: true });
  check(updated, { "update replaces data and keeps the labels": (o) => o.data.a === "2" && o.metadata.labels["loadgen.io/run"] === k8s.runId });
  let conflict = "";
  try { await k8s.update(cur); } catch (e) { conflict = e.code + " " + e.status; }
  check(conflict, { "a stale resourceVersion is a Conflict (409)": (c) => c === "Conflict 409" });
  await k8s.patch("configmaps", "cm-a", { data: { b: "1" } }, { namespace: ns });
  await k8s.patch("configmaps", "cm-a", [{ op: "add", path: "/data/c", value: "1" }], { namespace: ns, type: "json" });
  await k8s.patch("configmaps", "cm-a", { data: { d: "1" } }, { namespace: ns, type: "strategic" });
  const applied = await k8s.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-b", namespace: ns }, data: { x: "1" } }, { decode: true });
  check(applied, { "server-side apply creates, labelled": (o) => o.data.x === "1" && o.metadata.labels["loadgen.io/run"] === k8s.runId });
  const patched = await k8s.get("configmaps", "cm-a", { namespace: ns, decode: true });
  check(patched, { "merge, json and strategic patches all applied": (o) => o.data.a === "2" && o.data.b === "1" && o.data.c === "1" && o.data.d === "1" });
  await k8s.delete("configmaps", "cm-a", { namespace: ns });
  let gone = "";
  try { await k8s.get("configmaps", "cm-a", { namespace: ns }); } catch (e) { gone = e.name + " " + e.code + " " + e.status; }
  check(gone, { "get after delete is NotFound (404)": (g) => g === "K8sError NotFound 404" });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(checkNames(run).length, 10);
  const verbs = new Set(series(run, "k8s_requests").map((s) => s.tags.verb));
  assert.equal([...verbs].sort(), ["apply", "create", "delete", "get", "patch", "update"]);
  const patch = series(run, "k8s_request_duration").find((s) => s.tags.verb === "patch");
  assert.equal(
    { resource: patch?.tags.resource, group: patch?.tags.group, scope: patch?.tags.scope, status: patch?.tags.status, url: patch?.tags.url },
    { resource: "configmaps", group: "core", scope: "resource", status: "200", url: `PATCH /api/v1/namespaces/${ns}/configmaps/{name}` },
  );
  assert.is(count(run, "k8s_request_errors", { verb: "get", status: "404", kind: "http", error: "http/404" }), 1);
  assert.is(count(run, "k8s_request_errors", { verb: "update", status: "409" }), 1);
  assert.ok(count(run, "k8s_bytes_received") > 0);
});

test("list: stale and quorum, label and field selectors, limit/continue pages and allPages", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export async function setup() {
  for (let i = 0; i < 7; i++) {
    await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "list-" + i, labels: { parity: i % 2 ? "odd" : "even" } } }, { namespace: __ENV.NS });
  }
}
export default async function () {
  const ns = __ENV.NS;
  const sel = "loadgen.io/run=" + k8s.runId;
  const stale = await k8s.list("configmaps", { namespace: ns, consistency: "stale", labelSelector: sel });
  check(stale, { "stale list without decode": (r) => r.status === 200 && r.bytes > 0 && r.items === undefined });
  const quorum = await k8s.list("v1/configmaps", { namespace: ns, labelSelector: sel, decode: true });
  check(quorum, { "quorum list decodes 7 items": (r) => r.items.length === 7 && r.resourceVersion !== "" });
  const odd = await k8s.list("configmaps", { namespace: ns, labelSelector: sel + ",parity=odd", decode: true });
  check(odd, { "label selector": (r) => r.items.length === 3 });
  const one = await k8s.list("configmaps", { namespace: ns, fieldSelector: "metadata.name=list-4", decode: true });
  check(one, { "field selector": (r) => r.items.length === 1 && r.items[0].metadata.name === "list-4" });
  const p1 = await k8s.list("configmaps", { namespace: ns, labelSelector: sel, limit: 3, decode: true });
  const p2 = await k8s.list("configmaps", { namespace: ns, labelSelector: sel, limit: 3, continue: p1.continue, decode: true });
  check([p1, p2], { "limit and continue page through": ([a, b]) => a.items.length === 3 && !!a.continue && b.items.length === 3 && a.items[0].metadata.name !== b.items[0].metadata.name });
  const undecoded = await k8s.list("configmaps", { namespace: ns, labelSelector: sel, limit: 3 });
  check(undecoded, { "an undecoded page still returns its continue token": (r) => !!r.continue && r.items === undefined });
  const all = await k8s.list("configmaps", { namespace: ns, labelSelector: sel, limit: 2, allPages: true, decode: true });
  check(all, { "allPages follows every continue token": (r) => r.items.length === 7 && r.pageCount === 4 && !r.continue });
  const deps = await k8s.list("apps/v1/deployments", { namespace: ns, decode: true });
  check(deps, { "a grouped resource by group/version/resource": (r) => r.status === 200 && r.items.length === 0 });
  const depsDot = await k8s.list("deployments.apps", { namespace: ns });
  check(depsDot, { "a grouped resource by resource.group": (r) => r.status === 200 });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  const urls = new Set(series(run, "k8s_requests").filter((s) => s.tags.verb === "list").map((s) => s.tags.url));
  const sel = encodeURIComponent("loadgen.io/run=" + run.prepared!.runId);
  assert.ok(urls.has(`LIST /api/v1/namespaces/${ns}/configmaps?labelSelector=${sel}&resourceVersion=0`), [...urls].join("\n"));
  assert.ok(urls.has(`LIST /api/v1/namespaces/${ns}/configmaps?labelSelector=${sel}&limit=2&continue={continue}`), [...urls].join("\n"));
  assert.ok([...urls].some((u) => u.startsWith(`LIST /apis/apps/v1/namespaces/${ns}/deployments`)));
  const listScopes = new Set(series(run, "k8s_requests").filter((s) => s.tags.verb === "list").map((s) => s.tags.scope));
  assert.equal([...listScopes], ["namespace"]);
});

test("deleteCollection deletes by label selector; a KubeVirt custom resource by short name", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  const ns = __ENV.NS;
  for (let i = 0; i < 3; i++) await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dc-" + i, labels: { app: "dc" } } }, { namespace: ns });
  await k8s.deleteCollection("configmaps", { namespace: ns, labelSelector: "app=dc" });
  const left = await k8s.list("configmaps", { namespace: ns, labelSelector: "app=dc", decode: true });
  check(left, { "deleteCollection removed them": (r) => r.items.length === 0 });
  const vmi = { apiVersion: "kubevirt.io/v1", kind: "VirtualMachineInstance", metadata: { name: "vmi-ops" },
    spec: { domain: { devices: {}, resources: { requests: { memory: "64Mi" } } } } };
  const created = await k8s.create(vmi, { namespace: ns, decode: true });
  check(created, { "a custom resource is created": (o) => o.kind === "VirtualMachineInstance" });
  const got = await k8s.get("vmi", "vmi-ops", { namespace: ns, decode: true });
  check(got, { "found by its short name": (o) => o.metadata.name === "vmi-ops" });
  const byPath = await k8s.list("kubevirt.io/v1/virtualmachineinstances", { namespace: ns, decode: true });
  check(byPath, { "listed by group/version/resource": (r) => r.items.length === 1 });
}
`, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  const dc = series(run, "k8s_requests").find((s) => s.tags.verb === "deletecollection");
  assert.equal([dc?.tags.scope, dc?.tags.status], ["namespace", "200"]);
  assert.ok(series(run, "k8s_requests").some((s) => s.tags.group === "kubevirt.io" && s.tags.resource === "virtualmachineinstances"));
});

test("templates: create from YAML with {{.name}} variables, render and renderAll", async () => {
  const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
const tpl = open("./cm.yaml");
export const options = { iterations: 2 };
export default async function () {
  const ns = __ENV.NS;
  const o = await k8s.create(tpl, { namespace: ns, vars: { size: 3, owner: "tests" }, decode: true });
  check(o, { "variables filled, Iteration built in": (x) => x.metadata.name.startsWith("tpl-") && x.data.size === "3" && x.data.owner === "tests" });
  const r = k8s.render(tpl, { size: 5, owner: "me" });
  check(r, { "render parses one object": (x) => x.kind === "ConfigMap" && x.data.size === "5" });
  check(k8s.renderAll("a: {{ .x }}\\n---\\nb: 2\\n", { x: 1 }), { "renderAll parses every document": (a) => a.length === 2 && a[0].a === 1 });
  let err = "";
  try { k8s.render(tpl, {}); } catch (e) { err = e.message; }
  check(err, { "an undefined variable is named": (m) => m.includes("{{.size}}") });
}
`, { env: { NS: ns }, files: { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tpl-{{.Iteration}}\ndata:\n  size: '{{ .size }}'\n  owner: {{.owner}}\n" } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(count(run, "k8s_requests", { verb: "create", status: "201" }), 2);
});

test.run();
