// Host half of `loadgen/kwok`: node pools and pod-startup tracking from scenarios, through the run's shared Kubernetes
// client (loadgen/k8s's: one connection pool, one rate limit; its requests land in k8s_request_duration with the
// calling VU's tags). Pool nodes get the run's labels too, so `loadgen cleanup --run <id>` finds what a run left.
import type { HostModule, HostModuleInstance, HostValue, RunContext, SummaryExtension, VuContext } from "../host-module.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";
import { clientError } from "../../runtime/kube/errors.ts";
import { addRunLabels } from "../../runtime/kube/labels.ts";
import { sharedKubeClient } from "../shared-kube-client.ts";
import { clientApi, type KubeApi } from "../../runtime/kwok/kube-api.ts";
import { CONTROLLER_NAMESPACE, type ControllerMode } from "../../runtime/kwok/controller-deploy.ts";
import {
  addNodePool,
  DEFAULT_POOL,
  deleteNodePool,
  KWOK_ANNOTATION,
  KWOK_TAINT,
  listNodePools,
  NodePoolError,
  POOL_LABEL,
  type Taint,
} from "../../runtime/kwok/node-pool.ts";
import { PodStartupTracker, type PodStartupStats } from "../../runtime/kwok/pod-startup.ts";

interface AddOptionsJson {
  nodes?: number;
  cpu?: number;
  memory?: number;
  maxPods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  wait?: boolean;
  timeout?: string | number;
  concurrency?: number;
  controller?: ControllerMode;
  controllerImage?: string;
}

interface TrackOptionsJson {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  tags?: Record<string, string>;
}

/** `loadgen/kwok`: kwok node pools and pod startup latency from scenarios. */
export const kwokModule: HostModule = {
  open(run: RunContext): HostModuleInstance {
    return new KwokHost(run).instance();
  },
};

function parse<T>(json: HostValue, what: string): T {
  if (json === undefined || json === null || json === "" || json === "undefined") return {} as T;
  let o: unknown;
  try {
    o = JSON.parse(String(json));
  } catch {
    throw clientError("InvalidOptions", `${what}: options must be an object`);
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw clientError("InvalidOptions", `${what}: options must be an object`);
  return o as T;
}

function timeoutMs(v: string | number | undefined, def: number, what: string): number {
  if (v === undefined) return def;
  try {
    return parseDuration(v, `${what}: timeout`);
  } catch (e) {
    throw new NodePoolError((e as Error).message, "InvalidOptions");
  }
}

class KwokHost {
  readonly #run: RunContext;
  readonly #trackers = new Map<string, { tracker: PodStartupTracker; label: string }>();
  readonly #added = new Set<string>();
  #nextTracker = 1;
  readonly #startup;
  readonly #scheduling;

  constructor(run: RunContext) {
    this.#run = run;
    // Registered up front so thresholds on them are checked against their type at start.
    this.#startup = run.metrics.register("pod_startup_seconds", "trend");
    this.#scheduling = run.metrics.register("pod_scheduling_seconds", "trend");
  }

  async #api(vu: VuContext): Promise<KubeApi> {
    const shared = sharedKubeClient(this.#run);
    const client = shared.current ?? (await shared.client());
    return clientApi(client, vu.tags);
  }

  instance(): HostModuleInstance {
    const run = this.#run;
    return {
      sync: {
        "kwok.info"() {
          return JSON.stringify({ poolLabel: POOL_LABEL, kwokAnnotation: KWOK_ANNOTATION, kwokTaint: KWOK_TAINT, controllerNamespace: CONTROLLER_NAMESPACE });
        },
      },
      async: {
        "kwok.addNodePool": async (vu: VuContext, name: HostValue, optsJson: HostValue) => {
          const o = parse<AddOptionsJson>(optsJson, "addNodePool");
          const api = await this.#api(vu);
          const scenario = vu.scenario ?? vu.phase;
          const r = await addNodePool(
            { api: labelling(api, run.runId, scenario), log: run.log, localCluster: () => run.localCluster() },
            {
              name: String(name),
              nodes: o.nodes as number,
              cpu: o.cpu ?? DEFAULT_POOL.cpu,
              memory: o.memory ?? DEFAULT_POOL.memory,
              maxPods: o.maxPods ?? DEFAULT_POOL.maxPods,
              labels: o.labels ?? {},
              taints: o.taints ?? [],
            },
            { wait: o.wait, timeoutMs: timeoutMs(o.timeout, 300_000, "addNodePool"), concurrency: o.concurrency, controller: o.controller, controllerImage: o.controllerImage },
          );
          this.#added.add(String(name));
          return JSON.stringify({ ...r.pool, createMs: Math.round(r.createMs), readyMs: r.readyMs === undefined ? null : Math.round(r.readyMs), readyConditionMs: r.conditionMs === undefined ? null : Math.round(r.conditionMs), controller: r.controller.kind, controllerDeployed: r.controller.deployed });
        },
        "kwok.deleteNodePool": async (vu: VuContext, name: HostValue, optsJson: HostValue) => {
          const o = parse<{ wait?: boolean; timeout?: string | number }>(optsJson, "deleteNodePool");
          const r = await deleteNodePool({ api: await this.#api(vu), log: run.log, localCluster: () => run.localCluster() }, String(name), { wait: o.wait, timeoutMs: timeoutMs(o.timeout, 300_000, "deleteNodePool") });
          this.#added.delete(String(name));
          return JSON.stringify({ ...r, elapsedMs: Math.round(r.elapsedMs) });
        },
        "kwok.listNodePools": async (vu: VuContext) => JSON.stringify(await listNodePools({ api: await this.#api(vu) })),
        "kwok.trackPodStartup": async (vu: VuContext, optsJson: HostValue) => {
          const o = parse<TrackOptionsJson>(optsJson, "trackPodStartup");
          const tags = o.tags === undefined ? vu.tags : vu.tags.withAll(o.tags);
          const engine = run.engine;
          const startup = this.#startup;
          const scheduling = this.#scheduling;
          const tracker = new PodStartupTracker(
            await this.#api(vu),
            { startup: (s) => engine.add(startup, tags, s), scheduling: (s) => engine.add(scheduling, tags, s) },
            { namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector },
          );
          await tracker.start();
          const id = `pods-${this.#nextTracker++}`;
          const label = [o.namespace ? `ns ${o.namespace}` : "all namespaces", o.labelSelector].filter(Boolean).join(", ");
          this.#trackers.set(id, { tracker, label });
          return id;
        },
        "kwok.podStartupStats": async (_vu: VuContext, id: HostValue, optsJson: HostValue) => {
          const t = this.#tracker(id);
          const o = parse<{ waitFor?: number; timeout?: string | number }>(optsJson, "podStartupStats");
          if (o.waitFor !== undefined) return JSON.stringify(await t.waitFor(Number(o.waitFor), timeoutMs(o.timeout, 300_000, "podStartupStats")));
          return JSON.stringify(t.stats());
        },
        "kwok.stopPodStartup": async (_vu: VuContext, id: HostValue) => JSON.stringify(await this.#tracker(id).stop()),
      },
      summary: () => this.#summary(),
      close: () => this.#close(),
    };
  }

  #tracker(id: HostValue): PodStartupTracker {
    const t = this.#trackers.get(String(id));
    if (t === undefined) throw clientError("InvalidOptions", `no pod startup tracker "${String(id)}" in this run (trackPodStartup() returns the id)`);
    return t.tracker;
  }

  async #summary(): Promise<SummaryExtension | undefined> {
    if (this.#trackers.size === 0) return undefined;
    const data: Record<string, PodStartupStats & { pods: string }> = {};
    const rows: Array<Array<string | number>> = [];
    const f = (v: number) => `${v.toFixed(2)}s`;
    for (const [id, { tracker, label }] of this.#trackers) {
      const s = await tracker.stop();
      data[id] = { ...s, pods: label };
      rows.push([`${id} (${label})`, s.created, s.running, `${s.createdPerSecond}/s`, f(s.scheduling.p50), f(s.scheduling.p99), f(s.startup.p50), f(s.startup.p90), f(s.startup.p99), f(s.startup.max)]);
    }
    return {
      data: { podStartup: data },
      tables: [{ title: "pod startup (loadgen/kwok: created → running, as seen by watch)", columns: ["pods", "created", "running", "created/s", "sched p50", "sched p99", "start p50", "start p90", "start p99", "start max"], rows }],
    };
  }

  async #close(): Promise<void> {
    for (const { tracker } of this.#trackers.values()) await tracker.stop();
    if (this.#added.size > 0) {
      this.#run.log(`WARN  loadgen/kwok: node pool(s) ${[...this.#added].join(", ")} added by this run are still there; remove them with \`loadgen nodepool delete <name>\``);
    }
  }
}

/** The same API, with the run's labels on every object it creates (so `loadgen cleanup` finds pool nodes). */
function labelling(api: KubeApi, runId: string, scenario: string): KubeApi {
  return {
    ...api,
    create(r, body, t) {
      if (r.resource === "nodes") addRunLabels(body as { metadata?: { labels?: Record<string, string> } }, runId, scenario);
      return api.create(r, body, t);
    },
  };
}
