// Runs one spec of a kperf load profile with kperf's meaning (Azure/kperf request/schedule.go): `client` requesters,
// requester i on connection i % conns, and the spec's requests chosen by its mode:
//   - weighted: the requesters share one token bucket of `rate` with burst 1, each request kind is picked at random by
//     its shares, and the spec ends after `total` requests or `duration` seconds;
//   - time-series: the buckets' exact requests at their start times, without a rate limit (replay.ts).
// No VUs: the requesters are plain async loops over the same loadgen/k8s transport that scenarios use, so the metrics,
// tags and summary are the same, and so is the kperf result of both modes.
import { randomInt } from "node:crypto";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { MetricRegistry } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "../kube/cluster-access.ts";
import { K8sClient, PATCH_TYPES, type Compiled } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import { addRunLabels } from "../kube/labels.ts";
import type { Endpoint, Observation, SendOptions } from "../kube/transport.ts";
import { infoOf, type Built } from "./built-request.ts";
import { buildExact } from "./exact-request.ts";
import type { Gvr, KperfRequest, KperfSpec, TimeSeriesSpec, WeightedSpec } from "./profile.ts";
import { LATE_MS, replay, type ReplayClock } from "./replay.ts";
import { requestCount } from "./time-series.ts";

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

/** One failed request in kperf's result (api/types/metric.go ResponseError). */
export interface RawError {
  readonly method: string;
  readonly url: string;
  readonly timestamp: string;
  /** Seconds. */
  readonly duration: number;
  readonly type: "http" | "http2-protocol" | "connection" | "unknown";
  readonly code: number;
  readonly message: string;
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
  const client = new K8sClient(
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
    o.registry,
    o.engine,
    o.runId,
  );
  const latencies = new Map<Endpoint, number[]>();
  const errorStats = new Map<string, number>();
  const errors: RawError[] | undefined = o.rawErrors ? [] : undefined;
  let receivedBytes = 0;
  client.transport.observer = (ob: Observation) => {
    receivedBytes += ob.bytes;
    if (ob.error === undefined) {
      let list = latencies.get(ob.endpoint);
      if (list === undefined) latencies.set(ob.endpoint, (list = []));
      list.push(ob.durationMs / 1000);
    } else {
      const key = ob.error.key === "timeout" ? "unknown/timeout" : ob.error.key;
      errorStats.set(key, (errorStats.get(key) ?? 0) + 1);
      errors?.push(rawError(ob, key, urlKey(ob.endpoint, o)));
    }
  };

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
  for (const [endpoint, list] of latencies) {
    const key = urlKey(endpoint, o);
    latenciesByUrl.set(key, [...(latenciesByUrl.get(key) ?? []), ...list]);
  }
  return { total: issued, durationMs, receivedBytes, latenciesByUrl, errorStats, ...(errors ? { errors } : {}) };
}

/** kperf's key of a request: `METHOD https://server/path?query`, with the name masked as in loadgen's `url` tag. */
function urlKey(endpoint: Endpoint, o: RunSpecOptions): string {
  const space = endpoint.maskedUrl.indexOf(" ");
  return `${endpoint.maskedUrl.slice(0, space)} ${o.access.origin}${endpoint.maskedUrl.slice(space + 1)}`;
}

function rawError(ob: Observation, key: string, url: string): RawError {
  const slash = key.indexOf("/");
  const type = key.slice(0, slash) as RawError["type"];
  const method = url.slice(0, url.indexOf(" "));
  return {
    method,
    url: url.slice(method.length + 1),
    timestamp: new Date().toISOString(),
    duration: ob.durationMs / 1000,
    type,
    code: type === "http" ? ob.status : 0,
    message: type === "http" ? "" : key.slice(slash + 1),
  };
}

/** Sends one built request on a requester's connection; failures are recorded by the transport, not thrown. */
async function sendBuilt(client: K8sClient, built: Built, worker: number, o: RunSpecOptions): Promise<void> {
  try {
    await client.transport.send(built.endpoint, built.path, o.tags, { ...built.send, dispatcher: client.transport.pool.forClient(worker), limited: true });
    built.after?.(true, undefined);
  } catch (e) {
    if (!(e instanceof K8sError)) throw e;
    built.after?.(false, e);
  }
}

async function runTimeSeries(client: K8sClient, spec: TimeSeriesSpec, o: RunSpecOptions): Promise<number> {
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

async function runWeighted(client: K8sClient, spec: WeightedSpec, o: RunSpecOptions): Promise<number> {
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
  const limiter = client.transport.limiter;
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
async function prepareKeySpace(client: K8sClient, r: Extract<KperfRequest, { kind: "put" }>, o: RunSpecOptions): Promise<void> {
  const ns = r.namespace !== "" ? `/namespaces/${encodeURIComponent(r.namespace)}` : "";
  const info = infoOf(r.gvr, r.namespace !== "");
  const path = `${info.basePath}${ns}/${r.gvr.resource}`;
  o.log(`kperf: put: creating the key space first (${r.keySpaceSize} ${r.gvr.resource}, not measured)`);
  for (let i = 0; i < r.keySpaceSize; i += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, r.keySpaceSize - i) }, async (_, j) => {
        try {
          await client.transport.internal("POST", path, { body: objectFor(r, `${r.name}-${i + j}`, r.valueSize, o), contentType: "application/json" });
        } catch (e) {
          if (!(e instanceof K8sError && e.status === 409)) throw e;
        }
      }),
    );
  }
}

const KINDS_OF: Record<string, string> = { configmaps: "ConfigMap", secrets: "Secret" };

function randomValue(size: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < size; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A generated ConfigMap or Secret of `valueSize` bytes, labelled for cleanup. */
function objectFor(r: { gvr: Gvr }, name: string, valueSize: number, o: RunSpecOptions): string {
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
  return JSON.stringify(obj);
}

function builderFor(client: K8sClient, r: KperfRequest, o: RunSpecOptions): Builder {
  const ns = "namespace" in r && r.namespace !== "" ? r.namespace : undefined;
  const fixed = (c: Compiled, send: SendOptions = {}): Builder => {
    const built: Built = { endpoint: c.endpoint, path: c.pathAndQuery, send };
    return () => built;
  };
  switch (r.kind) {
    case "staleList":
    case "quorumList": {
      const q = new URLSearchParams();
      if (r.selector) q.set("labelSelector", r.selector);
      if (r.fieldSelector) q.set("fieldSelector", r.fieldSelector);
      if (r.kind === "staleList") q.set("resourceVersion", "0");
      if (r.limit > 0) q.set("limit", String(r.limit));
      return fixed(client.compile("list", "GET", { info: infoOf(r.gvr, ns !== undefined), namespace: ns, name: undefined, subresource: undefined }, q.toString()));
    }
    case "watchList": {
      const q = new URLSearchParams({ watch: "1", sendInitialEvents: "true", resourceVersionMatch: "NotOlderThan", allowWatchBookmarks: "true" });
      if (r.selector) q.set("labelSelector", r.selector);
      if (r.fieldSelector) q.set("fieldSelector", r.fieldSelector);
      const c = client.compile("watchlist", "GET", { info: infoOf(r.gvr, ns !== undefined), namespace: ns, name: undefined, subresource: undefined }, q.toString(), "WATCHLIST");
      return fixed(c, { until: '"k8s.io/initial-events-end":"true"' });
    }
    case "staleGet":
    case "quorumGet":
      return fixed(client.compile("get", "GET", { info: infoOf(r.gvr, ns !== undefined), namespace: ns, name: r.name, subresource: undefined }, r.kind === "staleGet" ? "resourceVersion=0" : ""));
    case "getPodLog": {
      const q = new URLSearchParams();
      if (r.container) q.set("container", r.container);
      if (r.tailLines !== undefined) q.set("tailLines", String(r.tailLines));
      if (r.limitBytes !== undefined) q.set("limitBytes", String(r.limitBytes));
      const info = infoOf({ group: "", version: "v1", resource: "pods" }, true);
      return fixed(client.compile("log", "GET", { info, namespace: r.namespace, name: r.name, subresource: "log" }, q.toString(), "POD_LOG"));
    }
    case "patch": {
      const info = infoOf(r.gvr, ns !== undefined);
      const contentType = PATCH_TYPES[r.patchType] ?? PATCH_TYPES.strategic!;
      const proto = client.compile("patch", "PATCH", { info, namespace: ns, name: r.name, subresource: undefined }, "");
      const body = (): string => {
        if (r.body) return r.body;
        const value = randomValue(r.valueSize);
        return r.patchType === "json" ? JSON.stringify([{ op: "add", path: "/data/key", value }]) : JSON.stringify({ data: { key: value } });
      };
      return () => {
        const name = r.keySpaceSize > 0 ? `${r.name}-${randomInt(r.keySpaceSize)}` : r.name;
        return { endpoint: proto.endpoint, path: client.path({ info, namespace: ns, name, subresource: undefined }), send: { body: body(), contentType } };
      };
    }
    case "put": {
      // PUT needs existing objects (ConfigMaps cannot be created by PUT): prepare() creates the key space first,
      // unmeasured, so every measured request is a PUT.
      const info = infoOf(r.gvr, ns !== undefined);
      const put = client.compile("update", "PUT", { info, namespace: ns, name: r.name, subresource: undefined }, "");
      return () => {
        const name = `${r.name}-${randomInt(r.keySpaceSize)}`;
        return { endpoint: put.endpoint, path: client.path({ info, namespace: ns, name, subresource: undefined }), send: { body: objectFor(r, name, r.valueSize, o), contentType: "application/json" } };
      };
    }
    case "postDel": {
      // Create, or with probability deleteRatio delete one of the objects created earlier (kperf's postDel).
      const info = infoOf(r.gvr, ns !== undefined);
      const post = client.compile("create", "POST", { info, namespace: ns, name: undefined, subresource: undefined }, "");
      const del = client.compile("delete", "DELETE", { info, namespace: ns, name: "x", subresource: undefined }, "");
      const live: string[] = [];
      let counter = 0;
      return () => {
        if (live.length > 0 && Math.random() < r.deleteRatio) {
          const name = live.splice(randomInt(live.length), 1)[0]!;
          return { endpoint: del.endpoint, path: client.path({ info, namespace: ns, name, subresource: undefined }), send: {} };
        }
        const name = `kperf-${o.runId}-${counter++}`.toLowerCase();
        return {
          endpoint: post.endpoint,
          path: post.pathAndQuery,
          send: { body: objectFor(r, name, r.payloadSize ?? 64, o), contentType: "application/json" },
          after: (ok) => {
            if (ok) live.push(name);
          },
        };
      };
    }
  }
}
