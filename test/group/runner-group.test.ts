// `loadgen rg run` on the local cluster's real node, through the real API server: runner pods of an Indexed Job, one
// execution segment each, coordinated by the CLI through pod logs and a ConfigMap. What a user checks: the whole
// iteration count done exactly once, setup's data everywhere, teardown/handleSummary once, a threshold failing only on
// the merged data exits 99, abortOnFail stops every runner, a deleted runner pod fails the group by name (or is
// tolerated, the result marked partial), `rg result --wait` reattaches after the CLI died, and `rg delete` /
// `loadgen cleanup` leave nothing. Figures (start skew, abort latency) are printed, never asserted.
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventually, onRealNode } from "../fixtures/real-node.ts";
import { useGroupImage } from "./group-image.ts";
import { groupObjects, loadgen, readSummary, SCENARIO, summaryFile } from "./helpers.ts";

let kc: KubeConfig;
let ns: string;
let image: string;

onRealNode(test, "rg", useGroupImage, (s) => ({ kc, image, ns } = s));

const rg = (name: string, count: number, extra: string[]) => ["rg", "run", SCENARIO, "--count", String(count), "-n", ns, "--image", image, "--name", name, "-q", "--no-color", ...extra];
const figure = (stderr: string, what: RegExp) => what.exec(stderr)?.[0];

test("3 runner pods of a shared-iterations scenario do exactly the whole iteration count, setup's data in every VU, teardown and handleSummary once", async () => {
  const out = summaryFile();
  const r = await loadgen([...rg("exact", 3, ["-e", "ITERATIONS=90", "--summary-export", out])]);
  assert.is(r.code, 0, r.stderr);
  const s = readSummary(out);
  assert.is(s.iterations, 90, "the merged count is the whole test's");
  assert.equal(s.checks["setup data reached the VU"], { passes: 90, fails: 0 });
  assert.equal(s.runners.map((x) => [x.segment, x.state, x.exitCode, x.iterations]), [["0:1/3", "done", 0, 30], ["1/3:2/3", "done", 0, 30], ["2/3:1", "done", 0, 30]]);
  assert.ok(s.runners.every((x) => x.name.startsWith("exact-") && x.where === "127.0.0.1"), "each row names its pod and node");
  assert.is(r.stderr.split("teardown ran once with from-setup").length - 1, 1, "teardown ran once, with setup's data");
  assert.is(r.stdout, "handleSummary: iterations=90\n", "handleSummary ran once, on the merged data");
  const skew = figure(r.stderr, /3 runners started within \d+ ms of each other/);
  assert.ok(skew, r.stderr);
  process.stderr.write(`[figure] ${skew}\n`);
});

test("a threshold that fails only on the merged data (each runner has 30 iterations, the group 90) exits 99", async () => {
  const r = await loadgen([...rg("merged-threshold", 3, ["-e", "ITERATIONS=90", "-e", `THRESHOLDS=${JSON.stringify({ iterations: ["count<80"] })}`])]);
  assert.is(r.code, 99, r.stderr);
  assert.match(r.stderr, "thresholds failed: iterations");
});

test("abortOnFail on the merged data stops every runner pod; the time from the failing sample to the last runner's stop is printed", async () => {
  const out = summaryFile();
  const thresholds = JSON.stringify({ checks: [{ threshold: "rate==1", abortOnFail: true }] });
  const r = await loadgen([...rg("abort", 3, ["-e", "ITERATIONS=100000", "-e", "SLEEP=0.05", "-e", "FAIL_AFTER_MS=2000", "-e", `THRESHOLDS=${thresholds}`, "--summary-export", out])]);
  assert.is(r.code, 99, r.stderr);
  const s = readSummary(out);
  assert.ok(s.iterations < 100000, "stopped early");
  assert.equal(s.runners.map((x) => x.state), ["stopped", "stopped", "stopped"], "every runner was stopped");
  const failing = [...r.stderr.matchAll(/first failing sample at (\d+)/g)].map((m) => Number(m[1]));
  const last = Number(/the last runner stopped at (\d+)/.exec(r.stderr)?.[1]);
  assert.ok(failing.length > 0 && last > 0, r.stderr);
  process.stderr.write(`[figure] abortOnFail: the first failing sample to the last runner's stop: ${last - Math.min(...failing)} ms (${figure(r.stderr, /abort sent at \d+; the last runner stopped at \d+, \d+ ms later/)})\n`);
});

/** Deletes runner 1's pod once every runner has started. */
async function deleteRunnerWhenStarted(group: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await eventually(`runner pods of ${group} running`, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `loadgen.io/runner-group=${group}` });
    if (pods.items.length !== 3 || !pods.items.every((p) => p.status?.phase === "Running")) return undefined;
    return pods.items.find((p) => p.metadata?.labels?.["batch.kubernetes.io/job-completion-index"] === "1")?.metadata?.name;
  });
  // Started: the control ConfigMap has its start command.
  await eventually("the group started", async () => ((await core.readNamespacedConfigMap({ namespace: ns, name: `${group}-control` })).data?.start ? true : undefined));
  await new Promise((r) => setTimeout(r, 2000));
  await core.deleteNamespacedPod({ namespace: ns, name: pod, gracePeriodSeconds: 0 });
  return pod;
}

test("a runner pod deleted mid-run fails the group at once, naming the pod and why", async () => {
  const run = loadgen([...rg("lost", 3, ["-e", "ITERATIONS=100000", "-e", "SLEEP=0.05"])]);
  const pod = await deleteRunnerWhenStarted("lost");
  const r = await run;
  assert.is(r.code, 103, r.stderr);
  assert.match(r.stderr, `${pod} (segment 1/3:2/3, 127.0.0.1) pod ${pod} was deleted before it finished`);
});

test("with --tolerate-lost 1 the group goes on without the deleted pod's share; the result says which share is missing and is partial", async () => {
  const out = summaryFile();
  const run = loadgen([...rg("tolerated", 3, ["-e", "ITERATIONS=150", "-e", "SLEEP=0.1", "--tolerate-lost", "1", "--summary-export", out])]);
  const pod = await deleteRunnerWhenStarted("tolerated");
  const r = await run;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `${pod} (segment 1/3:2/3, 127.0.0.1) pod ${pod} was deleted before it finished; tolerated`);
  const s = readSummary(out);
  assert.is(s.partial, true);
  assert.equal(s.missingSegments, ["1/3:2/3"]);
  assert.equal(s.runners.map((x) => x.state), ["done", "lost", "done"]);
  assert.ok(s.iterations < 150 && s.iterations >= 100, `the others' share is there: ${s.iterations}`);
});

test("`rg result --wait` reattaches after the CLI was killed: every runner's log re-read from its start, the merge finished, teardown run once", async () => {
  const out = summaryFile();
  let coordinator: import("node:child_process").ChildProcess | undefined;
  const first = loadgen([...rg("reattach", 3, ["-e", "ITERATIONS=240", "-e", "SLEEP=0.05"])], { onStderr: (_, child) => (coordinator = child) });
  // Killed once the runners run: the coordinator is gone without a word, as a closed laptop.
  const core = kc.makeApiClient(CoreV1Api);
  await eventually("the group started", async () => ((await core.readNamespacedConfigMap({ namespace: ns, name: "reattach-control" })).data?.start ? true : undefined));
  await new Promise((r) => setTimeout(r, 1500));
  coordinator!.kill("SIGKILL");
  assert.is((await first).code, null, "the first coordinator was killed");
  const again = await loadgen(["rg", "result", "reattach", "-n", ns, "--wait", "--summary-export", out, "--no-color"]);
  assert.is(again.code, 0, again.stderr);
  const s = readSummary(out);
  assert.is(s.iterations, 240, "every runner's snapshots, merged");
  assert.equal(s.runners.map((x) => x.state), ["done", "done", "done"]);
  assert.is(again.stderr.split("teardown ran once with from-setup").length - 1, 1, "teardown ran in the reattached coordinator");
  assert.is(again.stdout, "handleSummary: iterations=240\n");
  const later = await loadgen(["rg", "result", "reattach", "-n", ns, "--no-color"]);
  assert.is(later.code, 0, later.stderr);
  assert.match(later.stderr, "teardown is not run again");
  assert.not.match(later.stderr, "teardown ran once");
});

test("`rg delete` leaves nothing of a group, and `loadgen cleanup --run` removes a group too", async () => {
  const r = await loadgen([...rg("gone", 2, ["-e", "ITERATIONS=10"])]);
  assert.is(r.code, 0, r.stderr);
  assert.equal((await groupObjects(kc, ns, "loadgen.io/runner-group=gone")).filter((o) => !o.startsWith("Pod/")).map((o) => o.replace(/^(\w+)\/.*$/, "$1")),
    ["ConfigMap", "ConfigMap", "Job", "Role", "RoleBinding", "ServiceAccount"]);
  const deleted = await loadgen(["rg", "delete", "gone", "-n", ns]);
  assert.is(deleted.code, 0, deleted.stderr);
  assert.equal(await groupObjects(kc, ns, "loadgen.io/runner-group=gone"), []);

  const second = await loadgen([...rg("cleaned", 2, ["-e", "ITERATIONS=10"])]);
  assert.is(second.code, 0, second.stderr);
  const status = await loadgen(["rg", "status", "cleaned", "-n", ns]);
  const id = /run (\d{12}-[0-9a-f]{6})/.exec(status.stdout)?.[1];
  assert.ok(id, status.stdout);
  const cleanup = await loadgen(["cleanup", "--run", id!]);
  assert.is(cleanup.code, 0, cleanup.stderr);
  assert.equal(await groupObjects(kc, ns, "loadgen.io/runner-group=cleaned"), []);
});

test.run();
