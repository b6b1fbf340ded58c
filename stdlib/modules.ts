import type { StdlibModule } from "./host-module.ts";
import { stdlibPath } from "./stdlib-path.ts";
import { HTTP_TOP_LEVEL_KEYS } from "../runtime/http-client/http-options.ts";

/**
 * Every stdlib module a scenario can import, by specifier. This list is the only place a module is
 * registered: the bundler, the VU loader and the run all read it. Host halves are imported on demand (see
 * StdlibModule.load), so a scenario that uses no Kubernetes module never loads the Kubernetes client.
 */
export const stdlibModules: readonly StdlibModule[] = [
  { specifier: "loadgen", guestEntry: stdlibPath("loadgen/guest.ts"), core: true, load: async () => (await import("./loadgen/host.ts")).loadgenModule },
  { specifier: "loadgen/metrics", guestEntry: stdlibPath("metrics/guest.ts"), core: true, load: async () => (await import("./metrics/host.ts")).metricsModule },
  { specifier: "loadgen/execution", guestEntry: stdlibPath("execution/guest.ts"), core: true, load: async () => (await import("./execution/host.ts")).executionModule },
  {
    specifier: "loadgen/k8s",
    guestEntry: stdlibPath("k8s/guest.ts"),
    optionsKey: "k8s",
    usesCluster: true,
    load: async () => (await import("./k8s/host.ts")).k8sModule,
  },
  {
    specifier: "loadgen/kubevirt",
    guestEntry: stdlibPath("kubevirt/guest.ts"),
    optionsKey: "kubevirt",
    requires: ["loadgen/k8s"],
    usesCluster: true,
    load: async () => (await import("./kubevirt/host.ts")).kubevirtModule,
  },
  {
    specifier: "loadgen/kwok",
    guestEntry: stdlibPath("kwok/guest.ts"),
    requires: ["loadgen/k8s"],
    usesCluster: true,
    load: async () => (await import("./kwok/host.ts")).kwokModule,
  },
  {
    specifier: "loadgen/http",
    guestEntry: stdlibPath("http/guest.ts"),
    optionsKey: "http",
    optionsKeys: HTTP_TOP_LEVEL_KEYS,
    load: async () => (await import("./http/host.ts")).httpModule,
  },
];

/** The modules a run opens, in registry order: the core ones, those the scenario imports, and what they require. */
export function modulesForRun(registry: readonly StdlibModule[], imported: ReadonlySet<string>): StdlibModule[] {
  const wanted = new Set<string>();
  const want = (specifier: string): void => {
    if (wanted.has(specifier)) return;
    wanted.add(specifier);
    for (const r of registry.find((m) => m.specifier === specifier)?.requires ?? []) want(r);
  };
  for (const m of registry) if (m.core || imported.has(m.specifier)) want(m.specifier);
  return registry.filter((m) => wanted.has(m.specifier));
}
