// Runs one spec of a kperf load profile with kperf's meaning (Azure/kperf request/schedule.go): `client` requesters,
// requester i on connection i % conns, and the spec's requests chosen by its mode:
//   - weighted: the requesters share one token bucket of `rate` with burst 1, each request kind is picked at random by
//     its shares, and the spec ends after `total` requests or `duration` seconds;
//   - time-series: the buckets' exact requests at their start times, without a rate limit (replay.ts).
// No VUs: the requesters are plain async loops over the same Kubernetes client that scenarios use, so the metrics,
// tags and summary are the same, and so is the kperf result of both modes.
import { randomInt } from "node:crypto";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { MetricRegistry } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "../kube/cluster-access.ts";
import { KubeClient } from "../kube/client.ts";
import { knownResource, type ResourceInfo } from "../kube/discovery.ts";
import type { Endpoint } from "../kube/endpoint.ts";
import { K8sError } from "../kube/errors.ts";
import { addRunLabels } from "../kube/labels.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import { MetricsRecorder, registerK8sMetrics } from "../kube/recorder.ts";
import type { Prepared } from "../kube/request-compiler.ts";
import { PATCH_TYPES } from "../kube/verb-requests.ts";
import { runBounded } from "../util/worker-pool.ts";
import type { Built } from "./built-request.ts";
import { buildExact } from "./exact-request.ts";
import type { Gvr, KperfRequest, KperfSpec, TimeSeriesSpec, WeightedSpec } from "./profile.ts";
import { LATE_MS, replay, type ReplayClock } from "./replay.ts";
import { SpecRecorder, type RawError } from "./spec-recorder.ts";
import { requestCount } from "./time-series.ts";

export type { RawError };

/** kperf's per-request timeout. */
const TIMEOUT_MS = 60_000;

/** What one spec produced: raw latencies per kperf URL key (successes only) and errors by kperf key. */
export interface SpecOutcome {
  readonly total: number;
  readonly durationMs: number;
  readonly receivedBytes: number;
  readonly latenciesByUrl: Map<string, number[]>;
  readonly errorStats: Map<string, number>;
  /** Every failure, as kperf's `--raw-data` lists them; only when RunSpecOptions.rawErrors is set. */
  readonly errors?: readonly RawError[];
}

type Builder = () => Built;

export interface RunSpecOptions {
  readonly access: ClusterAccess;
  readonly registry: MetricRegistry;
  readonly engine: MetricsEngine;
  readonly tags: TagSet;
  readonly runId: string;
  /** The loadgen.io/scenario label of created objects (the profile's file name). */
  readonly scenario: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Keep every failure for the result's `errors` (kperf's --raw-data). */
  readonly rawErrors?: boolean;
  /** The time-series schedule's clock (tests). */
  readonly clock?: ReplayClock;
}

/** Runs one spec to its end; the connections are closed afterwards. */
export async function runSpec(spec: KperfSpec, o: RunSpecOptions): Promise<SpecOutcome> {
  const timeSeries = spec.mode === "time-series";
  const recorder = new SpecRecorder(new MetricsRecorder(registerK8sMetrics(o.registry), o.engine), (endpoint) => urlKey(endpoint, o), o.rawErrors === true);
  const client = new KubeClient(
    o.access,
    {
      conns: spec.conns,
      clients: spec.client,
      http2: !spec.disableHTTP2,
      contentType: spec.contentType,
      // Time-series mode has no client-side rate limit: the buckets' start times set the pace.
      qps: timeSeries ? 0 : spec.rate,
      burst: 1,
      timeoutMs: TIMEOUT_MS,
      maxRetries: spec.maxRetries,
      cleanup: false,
    },
    { runId: o.runId, recorder, tags: o.tags },
  );

  let issued = 0;
  let started = performance.now();
  try {
    if (timeSeries) issued = await runTimeSeries(client, spec, o);
    else {
      for (const r of spec.requests) if (r.kind === "put") await prepareKeySpace(client, r, o);
      // The key space is set up unmeasured: the spec's duration starts with its first measured request.
      started = performance.now();
      issued = await runWeighted(client, spec, o);
    }
  } finally {
    await client.close();
  }
  const durationMs = performance.now() - started;
  const latenciesByUrl = new Map<string, number[]>();
  for (const [endpoint, list] of recorder.latencies) {
    const key = urlKey(endpoint, o);
    latenciesByUrl.set(key, [...(latenciesByUrl.get(key) ?? []), ...list]);
  }
  const errors = recorder.errors;
  return { total: issued, durationMs, receivedBytes: recorder.receivedBytes, latenciesByUrl, errorStats: recorder.errorStats, ...(errors ? { errors } : {}) };
}

/** kperf's key of a request: `METHOD https://server/path?query`, with the name masked as in loadgen's `url` tag. */
function urlKey(endpoint: Endpoint, o: RunSpecOptions): string {
  const space = endpoint.maskedUrl.indexOf(" ");
  return `${endpoint.maskedUrl.slice(0, space)} ${o.access.origin}${endpoint.maskedUrl.slice(space + 1)}`;
}

/** Sends one built request on a requester's connection; failures are recorded by the transport, not thrown. */
async function sendBuilt(client: KubeClient, built: Built, worker: number, o: RunSpecOptions): Promise<void> {
  try {
    await client.send(built.request, o.tags, built.body, worker);
    built.after?.(true, undefined);
  } catch (e) {
    if (!(e instanceof K8sError)) throw e;
    built.after?.(false, e);
  }
}

async function runTimeSeries(client: KubeClient, spec: TimeSeriesSpec, o: RunSpecOptions): Promise<number> {
  const labels = { runId: o.runId, scenario: o.scenario };
  const stats = await replay(spec.buckets, {
    clients: spec.client,
    signal: o.signal,
    clock: o.clock,
    send: (r, worker) => sendBuilt(client, buildExact(client, r, labels), worker, o),
  });
  if (stats.lateBuckets > 0) {
    o.log(`kperf: ${stats.lateBuckets} of ${spec.buckets.length} buckets started more than ${LATE_MS} ms late (at most ${(stats.maxLateMs / 1000).toFixed(2)} s): all ${spec.client} clients were busy; as in kperf they were sent at once, none skipped`);
  }
  if (stats.dispatched < requestCount(spec.buckets)) o.log(`kperf: stopped after ${stats.dispatched} of ${requestCount(spec.buckets)} requests`);
  return stats.dispatched;
}

async function runWeighted(client: KubeClient, spec: WeightedSpec, o: RunSpecOptions): Promise<number> {
  const builders = spec.requests.map((r) => builderFor(client, r, o));
  const shares = spec.requests.map((r) => r.shares);
  const sum = shares.reduce((a, b) => a + b, 0);
  const pick = (): Builder => {
    let rnd = randomInt(sum);
    for (let i = 0; i < shares.length; i++) {
      if (rnd < shares[i]!) return builders[i]!;
      rnd -= shares[i]!;
    }
    return builders[builders.length - 1]!;
  };

  if (spec.total > 0 && spec.duration > 0) o.log(`kperf: total (${spec.total}) is set, so duration (${spec.duration}s) is ignored, as kperf does`);
  let stop = false;
  const onAbort = () => {
    stop = true;
  };
  o.signal.addEventListener("abort", onAbort, { once: true });
  const timer = spec.total <= 0 ? setTimeout(() => (stop = true), spec.duration * 1000) : undefined;
  let issued = 0;
  const limiter = client.limiter;
  const worker = async (i: number): Promise<void> => {
    for (;;) {
      if (stop || (spec.total > 0 && issued >= spec.total)) return;
      issued++;
      const built = pick()();
      const wait = limiter.take();
      if (wait !== undefined) await wait;
      if (stop) {
        issued--;
        return;
      }
      await sendBuilt(client, built, i, o);
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.client }, (_, i) => worker(i)));
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", onAbort);
  }
  return issued;
}

/** Creates `<name>-0` … `<name>-<keySpaceSize-1>` for a put request (existing ones are fine); no samples. */
async function prepareKeySpace(client: KubeClient, r: Extract<KperfRequest, { kind: "put" }>, o: RunSpecOptions): Promise<void> {
  const namespace = r.namespace !== "" ? r.namespace : undefined;
  const info = knownResource(r.gvr, namespace !== undefined);
  o.log(`kperf: put: creating the key space first (${r.keySpaceSize} ${r.gvr.resource}, not measured)`);
  const indexes = Array.from({ length: r.keySpaceSize }, (_, i) => i);
  const errors = await runBounded(indexes, 16, async (i) => {
    try {
      await client.create(objectFor(r, `${r.name}-${i}`, r.valueSize, o), { resource: info, namespace, quiet: true });
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 409)) throw e;
    }
  });
  if (errors.length > 0) throw errors[0];
}

const KINDS_OF: Record<string, string> = { configmaps: "ConfigMap", secrets: "Secret" };

function randomValue(size: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < size; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A generated ConfigMap or Secret of `valueSize` bytes, labelled for cleanup. */
function objectFor(r: { gvr: Gvr }, name: string, valueSize: number, o: RunSpecOptions): KubeObject {
  const kind = KINDS_OF[r.gvr.resource];
  if (kind === undefined) throw new Error(`kperf: put and postDel generate configmaps or secrets only, not ${r.gvr.resource}`);
  const value = randomValue(valueSize);
  const obj: Record<string, unknown> = {
    apiVersion: r.gvr.group ? `${r.gvr.group}/${r.gvr.version}` : r.gvr.version,
    kind,
    metadata: { name },
    data: { key: kind === "Secret" ? Buffer.from(value).toString("base64") : value },
  };
  addRunLabels(obj as { metadata?: { labels?: Record<string, string> } }, o.runId, o.scenario);
  return obj;
}

function builderFor(client: KubeClient, r: KperfRequest, o: RunSpecOptions): Builder {
  const namespace = "namespace" in r && r.namespace !== "" ? r.namespace : undefined;
  const infoOf = (gvr: Gvr): ResourceInfo => knownResource(gvr, namespace !== undefined);
  const fixed = (request: Prepared): Builder => {
    const built: Built = { request };
    return () => built;
  };
  switch (r.kind) {
    case "staleList":
    case "quorumList":
      return fixed(
        client.prepareList(infoOf(r.gvr), {
          namespace,
          labelSelector: r.selector,
          fieldSelector: r.fieldSelector,
          consistency: r.kind === "staleList" ? "stale" : undefined,
          limit: r.limit > 0 ? r.limit : undefined,
        }),
      );
    case "watchList":
      return fixed(client.prepareWatchList(infoOf(r.gvr), { namespace, labelSelector: r.selector, fieldSelector: r.fieldSelector }));
    case "staleGet":
    case "quorumGet":
      return fixed(client.prepareGet(infoOf(r.gvr), r.name, { namespace, consistency: r.kind === "staleGet" ? "stale" : undefined }));
    case "getPodLog":
      return fixed(client.preparePodLog(r.namespace, r.name, { container: r.container || undefined, tailLines: r.tailLines, limitBytes: r.limitBytes }));
    case "patch": {
      // kperf sends an unknown patch type as a strategic merge patch.
      const proto = client.preparePatch(infoOf(r.gvr), r.name, { namespace, type: r.patchType in PATCH_TYPES ? r.patchType : "strategic" });
      const body = (): string => {
        if (r.body) return r.body;
        const value = randomValue(r.valueSize);
        return r.patchType === "json" ? JSON.stringify([{ op: "add", path: "/data/key", value }]) : JSON.stringify({ data: { key: value } });
      };
      return () => ({ request: r.keySpaceSize > 0 ? client.rename(proto, `${r.name}-${randomInt(r.keySpaceSize)}`) : proto, body: body() });
    }
    case "put": {
      // PUT needs existing objects (ConfigMaps cannot be created by PUT): prepare() creates the key space first,
      // unmeasured, so every measured request is a PUT.
      const put = client.prepareWrite("update", infoOf(r.gvr), { namespace, name: r.name });
      return () => {
        const name = `${r.name}-${randomInt(r.keySpaceSize)}`;
        return { request: client.rename(put, name), body: JSON.stringify(objectFor(r, name, r.valueSize, o)) };
      };
    }
    case "postDel": {
      // Create, or with probability deleteRatio delete one of the objects created earlier (kperf's postDel).
      const info = infoOf(r.gvr);
      const post = client.prepareWrite("create", info, { namespace });
      const del = client.prepareDelete(info, "x", { namespace });
      const live: string[] = [];
      let counter = 0;
      return () => {
        if (live.length > 0 && Math.random() < r.deleteRatio) {
          const name = live.splice(randomInt(live.length), 1)[0]!;
          return { request: client.rename(del, name) };
        }
        const name = `kperf-${o.runId}-${counter++}`.toLowerCase();
        return {
          request: post,
          body: JSON.stringify(objectFor(r, name, r.payloadSize ?? 64, o)),
          after: (ok) => {
            if (ok) live.push(name);
          },
        };
      };
    }
  }
}
