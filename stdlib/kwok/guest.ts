// Guest shim of `loadgen/kwok`: thin. Options go to the host as JSON text, results come back as JSON text; both are
// kwok.d.ts's types.
import type {
  AddedNodePool,
  DeletedNodePool,
  DeleteNodePoolOptions,
  NodePool,
  NodePoolOptions,
  PodPlacement,
  PodStartupStats,
  PodStartupTracker,
  Taint,
  Toleration,
  TrackOptions,
  WaitOptions,
} from "loadgen/kwok";
import { host, jsonText, parseJson } from "../guest-host.ts";

const addHost = /* @__PURE__ */ host.async("kwok.addNodePool");
const deleteHost = /* @__PURE__ */ host.async("kwok.deleteNodePool");
const listHost = /* @__PURE__ */ host.async("kwok.listNodePools");
const trackHost = /* @__PURE__ */ host.async("kwok.trackPodStartup");
const statsHost = /* @__PURE__ */ host.async("kwok.podStartupStats");
const stopHost = /* @__PURE__ */ host.async("kwok.stopPodStartup");
const infoHost = /* @__PURE__ */ host.sync("kwok.info");

const info = /* @__PURE__ */ parseJson(/* @__PURE__ */ infoHost());
export const POOL_LABEL: string = info.poolLabel;
export const KWOK_TAINT: Taint = info.kwokTaint;

export async function addNodePool(name: string, options: NodePoolOptions): Promise<AddedNodePool> {
  return parseJson(await addHost(String(name), jsonText(options)));
}

export async function deleteNodePool(name: string, options?: DeleteNodePoolOptions): Promise<DeletedNodePool> {
  return parseJson(await deleteHost(String(name), jsonText(options)));
}

export async function listNodePools(): Promise<NodePool[]> {
  return parseJson(await listHost());
}

/** nodeSelector and tolerations that put a pod on a pool's nodes. */
export function podPlacement(pool: string | { name: string; taints?: Taint[] }): PodPlacement {
  const name = typeof pool === "string" ? pool : pool.name;
  const taints = typeof pool === "string" ? [] : (pool.taints ?? []);
  const tolerations = [KWOK_TAINT, ...taints].map((t): Toleration =>
    t.value !== undefined ? { key: t.key, operator: "Equal", value: t.value, effect: t.effect } : { key: t.key, operator: "Exists", effect: t.effect },
  );
  return { nodeSelector: { [POOL_LABEL]: name }, tolerations };
}

function tracker(id: string): PodStartupTracker {
  return {
    id,
    async stats(): Promise<PodStartupStats> {
      return parseJson(await statsHost(id, undefined));
    },
    async waitFor(count: number, options?: WaitOptions): Promise<PodStartupStats> {
      return parseJson(await statsHost(id, jsonText({ ...options, waitFor: Number(count) })));
    },
    async stop(): Promise<PodStartupStats> {
      return parseJson(await stopHost(id));
    },
  };
}

export async function trackPodStartup(options?: TrackOptions): Promise<PodStartupTracker> {
  return tracker(String(await trackHost(jsonText(options))));
}

export function podStartupTracker(id: string): PodStartupTracker {
  return tracker(String(id));
}
