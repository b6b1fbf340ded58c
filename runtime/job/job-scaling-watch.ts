// `loadgen job --watch deployment/NAME`: the workload's replica count over the job's run, watched from the host (one
// watch each, runtime/kube/replica-timeline.ts) while the load runs in the cluster — what NimbusGuard's load tests
// exist for: how long from the load's start to the first scale-up, to the maximum, and back down. The load's start is
// the runner container's start as the kubelet reports it, known only after the fact (the command polls, and the
// API's timestamps are whole seconds, rounded down), so the milestones are worked out at the end from every sample.
import type { KubeClient } from "../kube/client.ts";
import { inSeconds, ReplicaTimeline, type ReplicaSample, type ScalingTimeline } from "../kube/replica-timeline.ts";
import { MilestoneTracker } from "../kube/scaling-milestones.ts";

export interface ScalingWatch {
  /** The load started at `atMs` (the first call counts). */
  loadStarted(atMs: number): void;
  /** Stops every watch; their timelines, milestones from the load's start. */
  stop(): Promise<ScalingTimeline[]>;
}

/** `t` with its milestones and sample times counted from `start`. */
function fromStart(t: ScalingTimeline, samples: readonly ReplicaSample[], start: number | undefined): ScalingTimeline {
  if (start === undefined) return t;
  const desired = new MilestoneTracker();
  const ready = new MilestoneTracker();
  for (const s of samples) {
    desired.observe(s.atMs, s.desired, start);
    ready.observe(s.atMs, s.ready, start);
  }
  return {
    ...t,
    loadStart: new Date(start).toISOString(),
    desired: inSeconds(desired.milestones(true)),
    ready: inSeconds(ready.milestones(true)),
    samples: samples.map((s) => ({ t: Math.round(s.atMs - start) / 1000, desired: s.desired, current: s.current, ready: s.ready, exists: s.exists })),
  };
}

/**
 * Starts watching `workloads` (RESOURCE/NAME, as kubectl names them) in `namespace`; the counts seen before the load
 * starts are the baseline.
 * @throws {K8sError} code InvalidName or UnknownResource for a workload that is not one.
 */
export async function watchScaling(client: KubeClient, namespace: string, workloads: readonly string[]): Promise<ScalingWatch> {
  let start: number | undefined;
  const samples = workloads.map(() => [] as ReplicaSample[]);
  const timelines = workloads.map((w, i) => new ReplicaTimeline(client, w, { namespace, loadStart: () => undefined, sink: { sample: (s) => void samples[i]!.push(s), milestone() {} } }));
  try {
    for (const t of timelines) await t.start();
  } catch (e) {
    await Promise.all(timelines.map((t) => t.stop()));
    throw e;
  }
  return {
    loadStarted(atMs) {
      start ??= atMs;
    },
    stop: async () => (await Promise.all(timelines.map((t) => t.stop()))).map((t, i) => fromStart(t, samples[i]!, start)),
  };
}
