// A Job's activeDeadlineSeconds when --deadline is not given: long enough for the scenario as planned, so that a
// longer test is not cut short by a default. The deadline covers the pod's whole life: image start, the wait for the
// service, VU start-up, setup, every scenario to its last gracefulStop, teardown and the summary.

/** Start-up, VU initialisation and the summary: what a run takes besides its scenarios, generously. */
const OVERHEAD_S = 120;
/** What --wait-for may take before the run starts. */
const WAIT_FOR_S = 300;
/** Documents (kperf profiles) do not say how long they run here: an hour, unless --deadline says otherwise. */
const DOCUMENT_S = 3600;

export interface RunPlan {
  /** The end of the last scenario, gracefulStop included, from the start of the first (ms). */
  readonly scenariosMs: number;
  readonly setupTimeoutMs: number;
  readonly teardownTimeoutMs: number;
}

/** The default deadline in whole minutes' worth of seconds, at least 5 minutes. */
export function defaultDeadlineSeconds(plan: RunPlan | undefined, waitFor: boolean): number {
  const run = plan === undefined ? DOCUMENT_S : (plan.scenariosMs + plan.setupTimeoutMs + plan.teardownTimeoutMs) / 1000 + OVERHEAD_S;
  const total = run + (waitFor ? WAIT_FOR_S : 0);
  return Math.max(300, Math.ceil(total / 60) * 60);
}
