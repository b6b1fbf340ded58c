// One runner of a kperf runner group (`loadgen rg run RUNNERGROUP.yaml`): as in kperf, every runner runs the whole
// load profile (its rate is not divided). It speaks the runner-group protocol as a scenario's runner does
// (runtime/group/runner.ts serveRunner): ready once it has cluster access, the profile's specs from `start` on,
// snapshots of its metrics while they run, and `done` with its totals per spec (kperf's result needs those; its
// percentiles, errors and bytes come from the merged metrics, kperf-group-result.ts).
import type { ExitCodeValue } from "../exit-codes.ts";
import { requireClusterAccess, resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import { serveRunner, type RunnerEndpoint, type RunnerOptions } from "../group/runner.ts";
import type { ClusterAccess, ClusterFlags } from "../kube/cluster-access.ts";
import { registerK8sMetrics } from "../kube/recorder.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { runProfileSpecs } from "./kperf-run.ts";
import type { KperfProfile } from "./profile.ts";
import type { SpecOutcome } from "./runner.ts";

export interface KperfRunnerOptions extends RunnerOptions {
  readonly runId: string;
  /** The loadgen.io/scenario label of the objects its specs create (the profile's file name). */
  readonly scenario: string;
  /** The cluster (in a pod: its service account, kubectl's in-cluster order). */
  readonly cluster: ClusterFlags;
}

/**
 * Runs a kperf profile as one runner of a group.
 * @returns 0, or the exit code of a stop it was told of by its end (the coordinator gone).
 * @throws {LoadgenError} when no cluster access can be had (the caller reports it as `failed`).
 */
export function runKperfRunner(profile: KperfProfile, endpoint: RunnerEndpoint, o: KperfRunnerOptions): Promise<ExitCodeValue> {
  const registry = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(registry, tags);
  registerK8sMetrics(registry);
  const controller = new AbortController();
  let access: ClusterAccess | undefined;
  let outcomes: SpecOutcome[] = [];
  let started = 0;
  return serveRunner(
    {
      segment: "whole",
      engine,
      notSent: new Set(),
      controller,
      async prepare() {
        access = await requireClusterAccess(() => resolveClusterAccess(o.cluster, o.log));
        return 0;
      },
      async run() {
        started = performance.now();
        outcomes = await runProfileSpecs(profile, { access: access!, registry, engine, tags, runId: o.runId, scenario: o.scenario, signal: controller.signal, log: o.log });
      },
      counts: () => ({ vus: 0, vusMax: 0, scenarios: [] }),
      elapsedMs: () => (started === 0 ? 0 : performance.now() - started),
      selfAbort: () => undefined,
      done: () => ({ errors: [], kperf: { origin: access?.origin ?? "", specs: outcomes.map((x) => ({ total: x.total, durationMs: x.durationMs })) } }),
      close: async () => {},
    },
    endpoint,
    o,
  );
}
