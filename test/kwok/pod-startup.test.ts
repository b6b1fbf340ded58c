// The pod-startup tracker's rules, with a scripted API (no cluster): pods there before tracking are left out, each pod
// is measured once however many events follow, creation is min(creationTimestamp + 1 s, first receive time), a RELIST
// counts like events, and Job pods that finish between two events still count as started.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventSource, KubeApi, Obj } from "../../runtime/kwok/kube-api.ts";
import { percentiles, PodStartupTracker } from "../../runtime/kwok/pod-startup.ts";

function pod(uid: string, createdAt: number, o: { node?: string; phase?: string; running?: boolean } = {}): Obj {
  return {
    metadata: { uid, name: uid, creationTimestamp: new Date(Math.floor(createdAt / 1000) * 1000).toISOString() },
    spec: { nodeName: o.node, containers: [{ name: "c" }] },
    status: { phase: o.phase ?? "Pending", containerStatuses: o.running ? [{ state: { running: {} } }] : [] },
  };
}

function scriptedApi(existing: Obj[]): { api: KubeApi; push(type: string, object: Obj): void } {
  const queue: Array<{ type: string; object: Obj }> = [];
  let wake: (() => void) | undefined;
  const source: EventSource = {
    async next(maxWaitMs) {
      if (queue.length === 0) await new Promise<void>((r) => ((wake = r), setTimeout(r, Math.min(maxWaitMs, 20))));
      return queue.splice(0);
    },
    close() {},
  };
  const api = {
    origin: "https://test",
    list: async () => ({ items: existing, resourceVersion: "1" }),
    watch: () => source,
  } as unknown as KubeApi;
  return { api, push: (type, object) => (queue.push({ type, object }), wake?.()) };
}

const tick = () => new Promise((r) => setTimeout(r, 60));

test("each pod is measured once; pods that were there before are left out", async () => {
  const now = Date.now();
  const { api, push } = scriptedApi([pod("old", now - 60_000, { node: "n", phase: "Running", running: true })]);
  const startup: number[] = [];
  const scheduling: number[] = [];
  const t = new PodStartupTracker(api, { startup: (s) => startup.push(s), scheduling: (s) => scheduling.push(s) });
  await t.start();
  push("MODIFIED", pod("old", now - 60_000, { node: "n", phase: "Running", running: true }));
  push("ADDED", pod("a", Date.now()));
  push("MODIFIED", pod("a", Date.now(), { node: "n1" }));
  push("MODIFIED", pod("a", Date.now(), { node: "n1", phase: "Running", running: true }));
  push("MODIFIED", pod("a", Date.now(), { node: "n1", phase: "Running", running: true }));
  push("RELIST", { items: [pod("a", Date.now(), { node: "n1", phase: "Running", running: true }), pod("b", Date.now(), { node: "n2", phase: "Succeeded" })] });
  await tick();
  const s = await t.waitFor(2, 1000);
  assert.equal({ created: s.created, scheduled: s.scheduled, running: s.running, preexisting: s.preexisting }, { created: 2, scheduled: 2, running: 2, preexisting: 1 });
  assert.is(startup.length, 2, "a and b once each, old never");
  assert.is(scheduling.length, 2);
  for (const v of [...startup, ...scheduling]) assert.ok(v >= 0 && v < 1.5, `latency ${v} s`);
  push("MODIFIED", pod("a", Date.now(), { node: "n1", phase: "Running", running: true }));
  await tick();
  assert.is((await t.stop()).startup.count, 2);
});

test("a pod created more than a second before tracking began is not measured", async () => {
  const { api, push } = scriptedApi([]);
  const t = new PodStartupTracker(api, { startup: () => {}, scheduling: () => {} });
  await t.start();
  push("ADDED", pod("stale", Date.now() - 5_000, { node: "n", phase: "Running", running: true }));
  await tick();
  const s = await t.stop();
  assert.equal({ created: s.created, preexisting: s.preexisting }, { created: 0, preexisting: 1 });
});

test("creation time: the first receive time when it is within the timestamp's second", () => {
  const t = new PodStartupTracker({} as KubeApi, { startup: () => {}, scheduling: () => {} });
  const created = Date.parse("2030-01-01T00:00:10.000Z");
  // Seen 300 ms into the second, running 2 s later: 2 s, not 2.3 s (the truncated timestamp) nor 1.3 s (ts + 1 s).
  t.observe(pod("p", created + 300), created + 300);
  t.observe(pod("p", created + 300, { node: "n", phase: "Running", running: true }), created + 2300);
  assert.is(t.stats().startup.max, 2);
  // Seen late (a lagging watch): the estimate is capped at the end of the timestamp's second.
  t.observe(pod("q", created + 100), created + 4000);
  t.observe(pod("q", created + 100, { node: "n", phase: "Running", running: true }), created + 5000);
  assert.is(t.stats().startup.max, 4.001);
});

test("percentiles use kperf's index rule", () => {
  const p = percentiles([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
  assert.equal({ p50: p.p50, p90: p.p90, p99: p.p99, max: p.max, min: p.min, count: p.count, avg: p.avg }, { p50: 5, p90: 9, p99: 10, max: 10, min: 1, count: 10, avg: 5.5 });
  assert.is(percentiles([]).count, 0);
});

test("scheduled → running is each pod's node part: from the first event with a node to the first with it running", () => {
  const t = new PodStartupTracker({} as KubeApi, { startup: () => {}, scheduling: () => {} });
  const created = Date.parse("2030-01-01T00:00:10.000Z");
  t.observe(pod("p", created), created + 100);
  t.observe(pod("p", created, { node: "n" }), created + 400);
  t.observe(pod("p", created, { node: "n" }), created + 900); // a later event does not move the scheduling time
  t.observe(pod("p", created, { node: "n", phase: "Running", running: true }), created + 1900);
  // Seen scheduled and running in one event (kwok's stage raced the watch): 0 s on the node.
  t.observe(pod("q", created), created + 100);
  t.observe(pod("q", created, { node: "n", phase: "Running", running: true }), created + 600);
  const s = t.stats();
  assert.equal({ count: s.scheduledToRunning.count, min: s.scheduledToRunning.min, max: s.scheduledToRunning.max }, { count: 2, min: 0, max: 1.5 });
  assert.is(s.startup.max, 1.8);
});

test.run();
