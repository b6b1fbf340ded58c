// `loadgen job --watch deployment/NAME`: the workload's replica count over the job's run, watched from the host (one
// watch each, runtime/kube/replica-timeline.ts) while the load runs in the cluster — what NimbusGuard's load tests
// exist for: how long from the load's start to the first scale-up, to the maximum, and back down. The load starts
// when the runner container is first seen running (within the command's poll interval of it).
import type { KubeClient } from "../kube/client.ts";
import { ReplicaTimeline, type ScalingTimeline } from "../kube/replica-timeline.ts";

export interface ScalingWatch {
  /** Marks the load's start: milestones count from now. */
  loadStarted(): void;
  /** Stops every watch; their timelines. */
  stop(): Promise<ScalingTimeline[]>;
}

/**
 * Starts watching `workloads` (RESOURCE/NAME, as kubectl names them) in `namespace`; the counts seen before the load
 * starts are the baseline.
 * @throws {K8sError} code InvalidName or UnknownResource for a workload that is not one.
 */
export async function watchScaling(client: KubeClient, namespace: string, workloads: readonly string[]): Promise<ScalingWatch> {
  let start: number | undefined;
  const timelines = workloads.map((w) => new ReplicaTimeline(client, w, { namespace, loadStart: () => start }));
  try {
    for (const t of timelines) await t.start();
  } catch (e) {
    await Promise.all(timelines.map((t) => t.stop()));
    throw e;
  }
  return {
    loadStarted() {
      start ??= Date.now();
    },
    stop: () => Promise.all(timelines.map((t) => t.stop())),
  };
}
