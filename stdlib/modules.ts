import type { HostModule } from "./host-module.ts";
import { loadgenModule } from "./loadgen/host.ts";
import { metricsModule } from "./metrics/host.ts";
import { executionModule } from "./execution/host.ts";
import { k8sModule } from "./k8s/host.ts";
import { kwokModule } from "./kwok/host.ts";
import { kubevirtModule } from "./kubevirt/host.ts";

/**
 * Every stdlib module a scenario can import, by specifier. This list is the only place a module is
 * registered: the bundler, the VU loader and the run all read it.
 */
export const stdlibModules: readonly HostModule[] = [loadgenModule, metricsModule, executionModule, k8sModule, kubevirtModule, kwokModule];
