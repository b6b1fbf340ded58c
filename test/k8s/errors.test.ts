// Bad input and bad access: an unknown resource, a malformed object, a 422, a 403, an unreachable server and a
// rejected (expired) token each reject with a K8sError the scenario can catch, are counted in k8s_request_errors
// with their kind, and stop neither the failing VU's later iterations nor the other VUs. Cluster access also works
// with client certificates and fails clearly for an unknown --context.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import yaml from "js-yaml";
import { CoreV1Api } from "@kubernetes/client-node";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { count, errorsOf, failedChecks, runK8sScenario, series } from "./helpers.ts";

let ns = "";
const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-k8s-errors-"));

test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-errors");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

/** A kubeconfig for the local cluster's server and CA with another user. */
async function kubeconfigWith(name: string, user: Record<string, string>, server?: string): Promise<string> {
  const { kubeconfig } = await useLocalCluster();
  const doc = yaml.load(readFileSync(kubeconfig, "utf8")) as { clusters: Array<{ cluster: Record<string, string> }> };
  const cluster = { ...doc.clusters[0]!.cluster, ...(server ? { server } : {}) };
  const file = path.join(tmp, `${name}.kubeconfig`);
  writeFileSync(file, yaml.dump({
    apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster }], users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: ns } }], "current-context": "ctx",
  }));
  return file;
}

const badInput = `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
import exec from "loadgen/execution";
export const options = { vus: 2, iterations: 6 };
async function code(fn) { try { await fn(); return "no error"; } catch (e) { return e.name + " " + e.code + " " + e.status; } }
export default async function () {
  if (exec.vu.idInTest === 2) {
    const r = await k8s.list("configmaps", { namespace: __ENV.NS, tags: { role: "good" } });
    check(r, { "the other VU keeps working": (x) => x.status === 200 });
    return;
  }
  check(await code(() => k8s.list("podz")), { "unknown resource": (c) => c === "K8sError UnknownResource 0" });
  check(await code(() => k8s.create("kind: [unclosed", { namespace: __ENV.NS })), { "malformed YAML": (c) => c === "K8sError InvalidObject 0" });
  check(await code(() => k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: "oops" }, { namespace: __ENV.NS })), { "metadata not a mapping": (c) => c === "K8sError InvalidObject 0" });
  check(await code(() => k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Not_A_Valid_Name" } }, { namespace: __ENV.NS })), { "invalid name is 422 Invalid": (c) => c === "K8sError Invalid 422" });
  check(await code(() => k8s.get("configmaps", "../secrets", { namespace: __ENV.NS })), { "a name cannot escape its path": (c) => c === "K8sError InvalidName 0" });
}
`;

test("unknown resource, malformed objects, a 422 and a path-escaping name are catchable, counted, and stop no VU", async () => {
  const run = await runK8sScenario(badInput, { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(run.result!.summary.metrics.iterations!.values.count, 6, "every iteration of both VUs ran");
  assert.ok(count(run, "k8s_requests", { role: "good", status: "200" }) >= 1, "the good VU's requests succeeded");
  assert.ok(count(run, "k8s_request_errors", { verb: "list", resource: "podz", kind: "unknown", error: "unknown/UnknownResource" }) >= 1);
  assert.ok(count(run, "k8s_request_errors", { verb: "create", kind: "unknown", error: "unknown/InvalidObject" }) >= 2);
  assert.ok(count(run, "k8s_request_errors", { verb: "create", status: "422", kind: "http", error: "http/422" }) >= 1);
  assert.ok(count(run, "k8s_request_errors", { verb: "get", error: "unknown/InvalidName" }) >= 1);
});

const accessScenario = `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { vus: 2, iterations: 4, k8s: { timeout: "5s" } };
export default async function () {
  let got = "no error";
  try { await k8s.list("configmaps", { namespace: __ENV.NS }); } catch (e) { got = e.name + " " + e.code + " " + e.status + " " + e.message; }
  check(got, { "expected failure": (g) => g.startsWith(__ENV.EXPECT) });
  console.log(got);
}
`;

test("a 403 from RBAC is Forbidden, catchable and counted", async () => {
  const kc = await localKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "nobody" } } });
  const token = await core.createNamespacedServiceAccountToken({ name: "nobody", namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const kubeconfig = await kubeconfigWith("nobody", { token: token.status!.token! });
  const run = await runK8sScenario(accessScenario, { env: { NS: ns, EXPECT: "K8sError Forbidden 403" }, kubeconfig });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(count(run, "k8s_request_errors", { verb: "list", status: "403", kind: "http", error: "http/403" }), 4);
  assert.match(run.logs.join("\n"), "cannot list resource");
});

test("a rejected (expired) token is 401 Unauthorized with a hint, on every VU, without stopping the run", async () => {
  const kubeconfig = await kubeconfigWith("expired", { token: "expired-or-revoked-token" });
  const run = await runK8sScenario(accessScenario, { env: { NS: ns, EXPECT: "K8sError Unauthorized 401" }, kubeconfig });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.is(run.result!.summary.metrics.iterations!.values.count, 4);
  assert.ok(count(run, "k8s_request_errors", { status: "401", kind: "http" }) >= 4);
  assert.match(run.logs.join("\n"), "expired or wrong token");
});

test("an unreachable server is a Connection error (status 0), counted with kind connection", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as { port: number }).port;
  await new Promise<void>((r) => blocker.close(() => r()));
  const kubeconfig = await kubeconfigWith("unreachable", { token: "x" }, `https://127.0.0.1:${port}`);
  const run = await runK8sScenario(accessScenario, { env: { NS: ns, EXPECT: "K8sError Connection 0" }, kubeconfig });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.ok(count(run, "k8s_request_errors", { kind: "connection", error: "connection/ECONNREFUSED" }) >= 4, JSON.stringify(series(run, "k8s_request_errors")));
});

test("client-certificate credentials work; an unknown --context fails clearly", async () => {
  const { kubeconfig } = await useLocalCluster();
  const pki = path.join(path.dirname(kubeconfig), "pki");
  const certs = await kubeconfigWith("certs", { "client-certificate": path.join(pki, "admin.crt"), "client-key": path.join(pki, "admin.key") });
  const ok = await runK8sScenario(accessScenario.replace('"expected failure"', '"client certs list"'), { env: { NS: ns, EXPECT: "no error" }, kubeconfig: certs });
  assert.is(ok.exitCode, 0, errorsOf(ok));
  assert.equal(failedChecks(ok), [], errorsOf(ok));
  // Cluster access is resolved before the test starts: a wrong --context stops the run there, as invalid flags.
  const bad = await runK8sScenario(accessScenario, { env: { NS: ns, EXPECT: "no error" }, kubeconfig: certs, context: "nope" });
  assert.is(bad.exitCode, 104, errorsOf(bad));
  assert.match(bad.error!, "--context nope: no such context in the kubeconfig (contexts: ctx)");
  assert.is(bad.result, undefined, "no iteration ran");
});

test.run();
