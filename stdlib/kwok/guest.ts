// Guest shim of `loadgen/kwok`: thin. Options go to the host as JSON text, results come back as JSON text.
import { host } from "../guest-host.ts";

const addHost = /* @__PURE__ */ host.async("kwok.addNodePool");
const deleteHost = /* @__PURE__ */ host.async("kwok.deleteNodePool");
const listHost = /* @__PURE__ */ host.async("kwok.listNodePools");
const trackHost = /* @__PURE__ */ host.async("kwok.trackPodStartup");
const statsHost = /* @__PURE__ */ host.async("kwok.podStartupStats");
const stopHost = /* @__PURE__ */ host.async("kwok.stopPodStartup");
const infoHost = /* @__PURE__ */ host.sync("kwok.info");

type Obj = Record<string, any>;

const info = /* @__PURE__ */ JSON.parse(/* @__PURE__ */ infoHost()) as { poolLabel: string; kwokAnnotation: string; kwokTaint: Obj; controllerNamespace: string };
export const POOL_LABEL: string = info.poolLabel;
export const KWOK_TAINT: Obj = info.kwokTaint;

function text(o: unknown): string | undefined {
  return o === undefined ? undefined : JSON.stringify(o);
}

export async function addNodePool(name: string, options: Obj): Promise<any> {
  return JSON.parse(await addHost(String(name), text(options)));
}

export async function deleteNodePool(name: string, options?: Obj): Promise<any> {
  return JSON.parse(await deleteHost(String(name), text(options)));
}

export async function listNodePools(): Promise<any[]> {
  return JSON.parse(await listHost());
}

/** nodeSelector and tolerations that put a pod on a pool's nodes. */
export function podPlacement(pool: string | { name: string; taints?: Obj[] }): Obj {
  const name = typeof pool === "string" ? pool : pool.name;
  const taints = typeof pool === "string" ? [] : (pool.taints ?? []);
  const tolerations = [KWOK_TAINT, ...taints].map((t) =>
    t.value !== undefined ? { key: t.key, operator: "Equal", value: t.value, effect: t.effect } : { key: t.key, operator: "Exists", effect: t.effect },
  );
  return { nodeSelector: { [POOL_LABEL]: name }, tolerations };
}

function tracker(id: string): Obj {
  return {
    id,
    async stats(): Promise<any> {
      return JSON.parse(await statsHost(id, undefined));
    },
    async waitFor(count: number, options?: Obj): Promise<any> {
      return JSON.parse(await statsHost(id, JSON.stringify({ ...options, waitFor: Number(count) })));
    },
    async stop(): Promise<any> {
      return JSON.parse(await stopHost(id));
    },
  };
}

export async function trackPodStartup(options?: Obj): Promise<Obj> {
  return tracker(String(await trackHost(text(options))));
}

export function podStartupTracker(id: string): Obj {
  return tracker(String(id));
}
