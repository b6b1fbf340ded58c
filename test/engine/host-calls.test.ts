// The guest↔host call contract (stdlib/host-calls.ts): the stdlib's host halves register exactly the host functions
// it declares, and a scenario that imports every module binds all of them at init. The shims' side (names, arguments,
// results) is type-checked by `npm run typecheck`; this is the host's side, which the engine sees only as records.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { prepareRun } from "../../runtime/execution/prepare-run.ts";
import type { AsyncHostCalls, SyncHostCalls, VariadicHostCalls } from "../../stdlib/host-calls.ts";
import { tempScenario } from "../fixtures/run-scenario.ts";

// Each declared name once: a name missing here, or one the declaration does not have, is a type error.
const SYNC: Record<keyof SyncHostCalls | keyof VariadicHostCalls, true> = {
  "loadgen.check": true,
  "loadgen.groupEnter": true,
  "loadgen.groupLeave": true,
  "loadgen.open": true,
  "loadgen.console": true,
  "metrics.register": true,
  "metrics.add": true,
  "execution.info": true,
  "execution.abort": true,
  "k8s.info": true,
  "k8s.render": true,
  "kubevirt.info": true,
  "kubevirt.template": true,
  "kubevirt.vmis": true,
  "kwok.info": true,
  "http.info": true,
  "http.response": true,
  "http.body": true,
  "http.setResponseCallback": true,
  "http.jarNew": true,
  "http.jarSet": true,
  "http.jarCookies": true,
  "http.jarClear": true,
};
const ASYNC: Record<keyof AsyncHostCalls, true> = {
  "loadgen.sleep": true,
  "k8s.list": true,
  "k8s.get": true,
  "k8s.create": true,
  "k8s.update": true,
  "k8s.apply": true,
  "k8s.patch": true,
  "k8s.delete": true,
  "k8s.deleteCollection": true,
  "k8s.watchOpen": true,
  "k8s.watchNext": true,
  "k8s.watchClose": true,
  "k8s.watchReplicas": true,
  "k8s.replicaTimeline": true,
  "kubevirt.create": true,
  "kubevirt.runStrategy": true,
  "kubevirt.restart": true,
  "kubevirt.delete": true,
  "kubevirt.deleteAll": true,
  "kubevirt.waitForPhase": true,
  "kubevirt.waitForDeleted": true,
  "kubevirt.createNamespace": true,
  "kubevirt.deleteNamespace": true,
  "kubevirt.resync": true,
  "kwok.addNodePool": true,
  "kwok.deleteNodePool": true,
  "kwok.listNodePools": true,
  "kwok.trackPodStartup": true,
  "kwok.podStartupStats": true,
  "kwok.stopPodStartup": true,
  "http.request": true,
};

test("the host halves register exactly the declared host functions, and the shims bind them all", async () => {
  // Whole namespaces used as values: the bundle keeps every export, so the init code binds every host function the
  // shims know (binding a name no host registers fails the init). No cluster is contacted: nothing is called.
  const script = tempScenario(`
import * as loadgen from "loadgen";
import * as metrics from "loadgen/metrics";
import execution from "loadgen/execution";
import * as k8s from "loadgen/k8s";
import * as kubevirt from "loadgen/kubevirt";
import * as kwok from "loadgen/kwok";
import * as http from "loadgen/http";
const modules = [loadgen, metrics, execution, k8s, kubevirt, kwok, http];
export default function () { return modules.length; }
`);
  const run = await prepareRun({ scriptPath: script, cli: {}, env: {}, log: () => {}, connectCluster: false });
  try {
    assert.equal(run.moduleSpecifiers, ["loadgen", "loadgen/metrics", "loadgen/execution", "loadgen/k8s", "loadgen/kubevirt", "loadgen/kwok", "loadgen/http"]);
    const registered = (kind: "sync" | "async") => run.moduleInstances.flatMap((m) => Object.keys(m[kind] ?? {})).sort();
    assert.equal(registered("sync"), Object.keys(SYNC).sort());
    assert.equal(registered("async"), Object.keys(ASYNC).sort());
  } finally {
    for (const m of run.moduleInstances) await m.close?.();
  }
});

test.run();
