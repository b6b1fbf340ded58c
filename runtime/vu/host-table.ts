import type { AsyncHostFunction, HostModuleInstance, SyncHostFunction } from "../../stdlib/host-module.ts";

/** The host functions of a run by name: `__loadgen.sync(name)` / `async(name)` bind a guest function to one of them. */
export interface HostTable {
  readonly sync: ReadonlyMap<string, SyncHostFunction>;
  readonly async: ReadonlyMap<string, AsyncHostFunction>;
}

/** Collects every function of the given module instances; a name defined twice is a programming error. */
export function buildHostTable(instances: readonly HostModuleInstance[]): HostTable {
  const sync = new Map<string, SyncHostFunction>();
  const async = new Map<string, AsyncHostFunction>();
  const claim = (name: string): void => {
    if (sync.has(name) || async.has(name)) throw new Error(`host function ${name} is defined twice`);
  };
  for (const instance of instances) {
    for (const [name, fn] of Object.entries(instance.sync ?? {})) {
      claim(name);
      sync.set(name, fn);
    }
    for (const [name, fn] of Object.entries(instance.async ?? {})) {
      claim(name);
      async.set(name, fn);
    }
  }
  return { sync, async };
}
