import type { AsyncHostFunction, HostModuleInstance, SyncHostFunction } from "../../stdlib/host-module.ts";

/** The host functions of a run, numbered: a guest shim looks a name up once (LOOKUP_ID), then calls by id. */
export interface HostTable {
  readonly syncIds: ReadonlyMap<string, number>;
  readonly asyncIds: ReadonlyMap<string, number>;
  readonly syncFunctions: readonly SyncHostFunction[];
  readonly asyncFunctions: readonly AsyncHostFunction[];
}

/** Numbers every function of the given module instances; a name defined twice is a programming error. */
export function buildHostTable(instances: readonly HostModuleInstance[]): HostTable {
  const syncIds = new Map<string, number>();
  const asyncIds = new Map<string, number>();
  const syncFunctions: SyncHostFunction[] = [];
  const asyncFunctions: AsyncHostFunction[] = [];
  const claim = (name: string): void => {
    if (syncIds.has(name) || asyncIds.has(name)) throw new Error(`host function ${name} is defined twice`);
  };
  for (const instance of instances) {
    for (const [name, fn] of Object.entries(instance.sync ?? {})) {
      claim(name);
      syncIds.set(name, syncFunctions.push(fn) - 1);
    }
    for (const [name, fn] of Object.entries(instance.async ?? {})) {
      claim(name);
      asyncIds.set(name, asyncFunctions.push(fn) - 1);
    }
  }
  return { syncIds, asyncIds, syncFunctions, asyncFunctions };
}
