// waitFor's timeout is read by the one k6-style duration parser (runtime/metrics/duration.ts), like every other
// loadgen/k8s timeout: "1m30s" is 90 s. The limit is observed in simulated time: a fake loadgen/k8s host half serves
// the real guest shim, each empty watch poll "waits" the time the shim asked for, and the scenario's clock follows
// the fake's, so the wait gives up exactly at its limit and the test counts the polls instead of timing anything.
// The last test sends the same wait to the local API server.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { executeRun } from "../../runtime/execution/execute-run.ts";
import { prepareRun } from "../../runtime/execution/prepare-run.ts";
import type { HostModuleInstance, HostValue, StdlibModule } from "../../stdlib/host-module.ts";
import { stdlibModules } from "../../stdlib/modules.ts";
import { stdlibPath } from "../../stdlib/stdlib-path.ts";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";
import { checkNames, errorsOf, failedChecks, runK8sScenario } from "./helpers.ts";

// Date.now() is the fake server's clock: every object it sends says how long it has waited so far, and the condition
// (which waitFor calls on each object it receives) moves the clock there. `waited` never meets the condition.
const SCENARIO = `
import { check } from "loadgen";
import { waitFor } from "loadgen/k8s";
export const options = { iterations: 1 };
let clock = 0;
Date.now = () => clock;
export default async function () {
  const timeout = __ENV.TIMEOUT === undefined ? undefined : JSON.parse(__ENV.TIMEOUT);
  let error;
  try {
    await waitFor("configmaps", { namespace: "ns", until: (o) => { clock = o.data.waitedMs; return false; }, timeout });
  } catch (e) {
    error = e;
  }
  check(error, { [__ENV.EXPECT]: (e) => e !== undefined && e.name === "K8sError" && e.code + ": " + e.message === __ENV.EXPECT });
}
`;

interface FakeServer {
  lists: number;
  polls: number;
  waitedMs: number;
  closed: number;
}

/** loadgen/k8s with the real guest shim and a host half that answers waitFor's calls with one object that never changes. */
function fakeK8s(server: FakeServer): StdlibModule {
  const object = (waitedMs: number) => ({ metadata: { name: "cm", namespace: "ns" }, data: { waitedMs } });
  const instance: HostModuleInstance = {
    sync: { "k8s.info": () => JSON.stringify({ runId: "fake", runLabel: "loadgen.io/run", scenarioLabel: "loadgen.io/scenario", runSelector: "loadgen.io/run=fake" }) },
    async: {
      "k8s.list": async () => {
        server.lists++;
        return JSON.stringify({ status: 200, bytes: 0, pages: [{ metadata: { resourceVersion: "1" }, items: [object(0)] }] });
      },
      "k8s.watchOpen": async () => 1,
      // An empty poll takes all the time it was given; the event says so.
      "k8s.watchNext": async (_vu, _id, maxWaitMs: HostValue) => {
        server.polls++;
        server.waitedMs += Number(maxWaitMs);
        return JSON.stringify([{ type: "MODIFIED", object: object(server.waitedMs) }]);
      },
      "k8s.watchClose": async () => {
        server.closed++;
        return undefined;
      },
    },
  };
  return { specifier: "loadgen/k8s", guestEntry: stdlibPath("k8s/guest.ts"), load: async () => ({ open: () => instance }) };
}

async function waitAgainstFake(timeout: string | undefined, expect: string): Promise<FakeServer & { failed: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-waitfor-"));
  const scriptPath = path.join(dir, "scenario.ts");
  writeFileSync(scriptPath, SCENARIO);
  const server: FakeServer = { lists: 0, polls: 0, waitedMs: 0, closed: 0 };
  const logs: string[] = [];
  const env: Record<string, string> = { EXPECT: expect, ...(timeout === undefined ? {} : { TIMEOUT: timeout }) };
  const modules = [...stdlibModules.filter((m) => m.core), fakeK8s(server)];
  const prepared = await prepareRun({ scriptPath, cli: {}, env, log: (l) => logs.push(l), modules });
  const result = await executeRun(prepared, { noThresholds: false, outputs: [], log: (l) => logs.push(l) });
  assert.is(result.exitCode, 0, logs.join("\n"));
  const checks = result.summary.root_group.checks;
  assert.is(checks.length, 1, logs.join("\n"));
  return { ...server, failed: checks.filter((c) => c.fails > 0).map((c) => `${c.name}\n${logs.join("\n")}`) };
}

for (const [timeout, what] of [
  ['"1m30s"', "a k6-style duration with two units"],
  ['"90s"', "seconds"],
  ['"1.5m"', "fractional minutes"],
  ["90000", "a number of milliseconds"],
  ['"90000"', "a string of milliseconds"],
] as const) {
  test(`waitFor({ timeout: ${timeout} }) waits 90 s (${what}): 18 polls of 5 s, then WaitTimeout`, async () => {
    const r = await waitAgainstFake(timeout, "WaitTimeout: waitFor configmaps: timed out after 90000 ms: 0 of 1 object(s) met the condition");
    assert.equal(r.failed, []);
    assert.equal([r.lists, r.polls, r.waitedMs, r.closed], [1, 18, 90_000, 1]);
  });
}

test("waitFor without a timeout waits the default 60 s", async () => {
  const r = await waitAgainstFake(undefined, "WaitTimeout: waitFor configmaps: timed out after 60000 ms: 0 of 1 object(s) met the condition");
  assert.equal(r.failed, []);
  assert.equal([r.lists, r.polls, r.waitedMs], [1, 12, 60_000]);
});

test("a timeout that is no duration is refused before any request, naming the option", async () => {
  const r = await waitAgainstFake(
    '"1x"',
    'InvalidOptions: waitFor(): timeout: invalid duration "1x": use a number of milliseconds or a string such as "1m30s", "250ms" or "1.5s"',
  );
  assert.equal(r.failed, []);
  assert.equal([r.lists, r.polls], [0, 0]);
});

test('the local API server: waitFor({ timeout: "1m30s" }) is accepted and returns once the object exists', async () => {
  const ns = await createTestNamespace(await localKubeConfig(), "k8s-waitfor");
  try {
    const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1 };
export default async function () {
  await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "wt-1" } }, { namespace: __ENV.NS });
  const r = await k8s.waitFor("configmaps", { namespace: __ENV.NS, name: "wt-1", timeout: "1m30s" });
  check(r, { "found": (x) => x.matched === 1 && x.total === 1 });
}
`, { env: { NS: ns } });
    assert.is(run.exitCode, 0, errorsOf(run));
    assert.equal(checkNames(run), ["found"], errorsOf(run));
    assert.equal(failedChecks(run), [], errorsOf(run));
  } finally {
    await deleteTestNamespace(await localKubeConfig(), ns);
  }
});

test.run();
