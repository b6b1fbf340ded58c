// loadgen/kubevirt under `loadgen run --workers 2` against the local cluster: the runners create the VMIs, the
// coordinator's summary has KubeVirt's tables of the whole test (every runner's VMIs, each phase once per VMI), as a
// one-process run's, and the run leaves nothing behind.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli, tempScenario } from "../fixtures/run-scenario.ts";
import { vmisOfRun } from "./helpers.ts";

const PHASES = ["Pending", "Scheduling", "Scheduled", "Running"];

const SCENARIO = tempScenario(`
import * as kv from "loadgen/kubevirt";
import { check } from "loadgen";
export const options = { scenarios: { c: { executor: "shared-iterations", vus: 4, iterations: 20 } } };
export async function setup() { return { ns: await kv.createNamespace() }; }
export default async function (d) {
  const v = await kv.createVMI({ namespace: d.ns });
  const r = await kv.waitForPhase("Running", { namespace: d.ns, name: v.name, timeout: "60s" });
  check(r, { "Running": (x) => !x.timedOut });
}
export async function teardown(d) {
  await kv.deleteNamespace(d.ns, { wait: false });
}
`);

type Table = { title: string; rows: Array<Array<string | number>> };

async function run(workers: string[]): Promise<{ exitCode: number | null; stderr: string; tables: Table[]; runId: string; checks: number }> {
  const { kubeconfig } = await useLocalCluster();
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-workers-")), "summary.json");
  const r = await runCli(["run", "--quiet", "--no-color", "--kubeconfig", kubeconfig, "--summary-export", file, ...workers, SCENARIO], { timeoutMs: 180_000 });
  const s = JSON.parse(readFileSync(file, "utf8"));
  const runId = /run (\S+):/.exec(r.stderr)?.[1] ?? "";
  return { exitCode: r.exitCode, stderr: r.stderr, tables: s.extensions?.["loadgen/kubevirt"]?.tables ?? [], runId, checks: s.metrics?.checks?.values?.passes ?? 0 };
}

test("--workers 2: the KubeVirt tables count every runner's VMIs, each phase once per VMI, as one process's do", async () => {
  const one = await run([]);
  const two = await run(["--workers", "2"]);
  for (const [what, r] of [["one process", one], ["--workers 2", two]] as const) {
    assert.is(r.exitCode, 0, `${what}: ${r.stderr}`);
    assert.is(r.checks, 20, `${what}: every VMI Running`);
    const created = r.tables.find((t) => t.title.startsWith("KubeVirt: objects created"));
    assert.equal(created?.rows[0]?.slice(0, 3), ["VirtualMachineInstance", 20, 0], `${what}: ${JSON.stringify(r.tables.map((t) => t.title))}`);
    const phases = r.tables.find((t) => t.title.startsWith("KubeVirt: VMI phase transitions"));
    assert.equal(phases?.rows.map((row) => [row[0], row[1]]), PHASES.map((p) => [p, 20]), `${what}: each phase once per VMI`);
  }
  assert.match(two.stderr, "run ");
  assert.is(await vmisOfRun(two.runId), 0, "no VMI left behind");
});

test.run();
