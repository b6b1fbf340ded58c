import type { AsyncHostFunction, HostModuleInstance, SyncHostFunction } from "../../stdlib/host-module.ts";

/** The host functions of a run, numbered: the prelude binds names to these ids, the VU dispatches on them. */
export interface HostTable {
  readonly syncIds: Record<string, number>;
  readonly asyncIds: Record<string, number>;
  readonly syncFunctions: SyncHostFunction[];
  readonly asyncFunctions: AsyncHostFunction[];
}

/** Numbers every function of the given module instances; a name defined twice is a programming error. */
export function buildHostTable(instances: readonly HostModuleInstance[]): HostTable {
  const table: HostTable = { syncIds: {}, asyncIds: {}, syncFunctions: [], asyncFunctions: [] };
  for (const instance of instances) {
    for (const [name, fn] of Object.entries(instance.sync ?? {})) {
      if (name in table.syncIds || name in table.asyncIds) throw new Error(`host function ${name} is defined twice`);
      table.syncIds[name] = table.syncFunctions.push(fn) - 1;
    }
    for (const [name, fn] of Object.entries(instance.async ?? {})) {
      if (name in table.syncIds || name in table.asyncIds) throw new Error(`host function ${name} is defined twice`);
      table.asyncIds[name] = table.asyncFunctions.push(fn) - 1;
    }
  }
  return table;
}
