// A second, throwaway cluster in its own dir (LOADGEN_CLUSTER_DIR's
// equivalent), so crashing and reconfiguring it never disturbs the shared
// cluster other tests use.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probe } from "../../runtime/cluster/http-probe.ts";
import { clusterDown, clusterStatus, clusterUp } from "../../runtime/cluster/local-cluster.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { processesMentioning } from "../fixtures/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "loadgen-own-dir-"));
const scratch = mkdtempSync(join(tmpdir(), "loadgen-own-dir-files-"));


/**
 * APF's debug dump of priority levels, read with the kubeconfig's CA and
 * token; undefined when the apiserver runs without priority and fairness.
 */
async function apfPriorityLevels(kubeconfig: string): Promise<string | undefined> {
  const kc = yaml.load(readFileSync(kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { token: string } }[];
  };
  const { server, "certificate-authority-data": ca } = kc.clusters[0]!.cluster;
  const r = await probe(`${server}/debug/api_priority_and_fairness/dump_priority_levels`, {
    ca: Buffer.from(ca, "base64"),
    token: kc.users[0]!.user.token,
  });
  return r.status === 200 && r.body.includes("workload-low") ? r.body : undefined;
}

test.before(async () => {
  await useLocalCluster(); // binaries built or cached
});

test.after(async () => {
  await clusterDown({ dir });
  rmSync(scratch, { recursive: true, force: true });
});

test("status reports a crashed component, and cluster up then restarts the cluster from scratch", async () => {
  const up = await clusterUp({ dir });
  assert.equal(processesMentioning(dir).sort(), up.components.map((c) => c.pid).sort(), "the cluster's processes are the ones recorded");

  const kwok = up.components.find((c) => c.name === "kwok")!;
  process.kill(kwok.pid, "SIGKILL");
  await new Promise((r) => setTimeout(r, 500));
  const crashed = await clusterStatus({ dir });
  assert.is(crashed.state, "crashed");
  assert.is(crashed.components.find((c) => c.name === "kwok")!.state, "crashed");
  assert.ok(crashed.components.filter((c) => c.name !== "kwok").every((c) => c.state === "running"));

  const again = await clusterUp({ dir });
  assert.not.ok(again.alreadyRunning, "a cluster with a crashed component is restarted");
  assert.is((await clusterStatus({ dir })).state, "running");
  for (const c of up.components) assert.not.ok(processesMentioning(dir).includes(c.pid), `old ${c.name} (pid ${c.pid}) was stopped`);
});

test("cluster up with apf: false restarts only the apiserver, without priority and fairness; up again turns it back on", async () => {
  const before = await clusterUp({ dir });
  assert.ok(await apfPriorityLevels(before.kubeconfig), "APF debug endpoint answers while APF is on");

  const off = await clusterUp({ dir, apf: false });
  assert.equal(off.restarted, ["kube-apiserver"]);
  assert.is(off.apf, false);
  assert.is(await apfPriorityLevels(off.kubeconfig), undefined, "no APF once it is turned off");
  const samePids = off.components.filter((c) => c.name !== "kube-apiserver").map((c) => c.pid);
  assert.equal(samePids, before.components.filter((c) => c.name !== "kube-apiserver").map((c) => c.pid));

  const on = await clusterUp({ dir });
  assert.equal(on.restarted, ["kube-apiserver"]);
  assert.ok(await apfPriorityLevels(on.kubeconfig));
});

test("a stage timing file sets kwok's VMI delays; a changed file restarts only kwok; a bad one is rejected by name", async () => {
  const timing = join(scratch, "timing.yaml");
  writeFileSync(timing, "vmi-running: {minMs: 1234, maxMs: 2345}\n");
  const up = await clusterUp({ dir, stageTiming: timing });
  assert.equal(up.restarted, ["kwok"]);
  const kwokConfig = yaml.loadAll(readFileSync(join(dir, "kwok.yaml"), "utf8")) as { metadata: { name: string }; spec: { delay?: unknown } }[];
  const running = kwokConfig.find((d) => d.metadata.name === "vmi-running")!;
  assert.equal(running.spec.delay, { durationMilliseconds: 1234, jitterDurationMilliseconds: 2345 });

  const same = await clusterUp({ dir, stageTiming: timing });
  assert.equal(same.restarted, [], "unchanged timings restart nothing");

  writeFileSync(timing, "vmi-flying: {minMs: 1, maxMs: 2}\n");
  const err = await clusterUp({ dir, stageTiming: timing }).then(() => undefined, (e: Error) => e);
  assert.ok(err, "an unknown stage name is an error");
  assert.match(err!.message, `stage timing file ${timing}: unknown stage "vmi-flying"`);
});

test("cluster down stops exactly the cluster's processes and removes its dir; a second down is a no-op", async () => {
  const s = await clusterStatus({ dir });
  assert.is(s.state, "running");
  await clusterDown({ dir });
  assert.equal(processesMentioning(dir), []);
  assert.not.ok(existsSync(dir), "the cluster dir is gone");
  await clusterDown({ dir });
  assert.is((await clusterStatus({ dir })).state, "stopped");
  const shared = await clusterStatus();
  assert.is(shared.state, "running", "the shared cluster was not touched");
});

test.run();
