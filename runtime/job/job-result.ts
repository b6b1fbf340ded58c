// `loadgen job result NAME`: the summary JSON the runner printed as its log's last marked line (`--summary-line`),
// read back through the API server from the newest pod of the job that has ended. Why a log line: the pod needs no
// write access to the cluster to leave it (a ConfigMap would need a token and a Role for every scenario, even one that
// never talks to the cluster), it has no size limit worth the name (a termination message holds 4 KiB, less than most
// summaries), and it lives exactly as long as the pod, which ttlSecondsAfterFinished governs.
import type { KubeClient } from "../kube/client.ts";
import { readPodLog } from "../kube/pod-log.ts";
import { findSummaryLine } from "../output/summary/summary-line-output.ts";
import { RUNNER_CONTAINER } from "./job-spec.ts";
import { jobPods, podState } from "./job-status.ts";

export type JobResult =
  | { readonly found: true; readonly pod: string; readonly exitCode: number; readonly summaryJson: string }
  | { readonly found: false; readonly why: string };

/** The result of job `name` (a Job's, or a CronJob's latest run that ended). */
export async function jobResult(client: KubeClient, namespace: string, name: string): Promise<JobResult> {
  const pods = await jobPods(client, namespace, name);
  if (pods.length === 0) return { found: false, why: `no pod of job ${name} in namespace ${namespace} (not started, deleted, or removed by its ttlSecondsAfterFinished)` };
  const ended = pods.map((p) => ({ pod: p, state: podState(p) })).filter((p) => p.state.phase === "ended").at(-1);
  if (ended === undefined) return { found: false, why: `job ${name} has not ended yet (pod ${pods.at(-1)!.metadata!.name}: ${podState(pods.at(-1)!).phase})` };
  const pod = ended.pod.metadata!.name as string;
  const exitCode = ended.state.phase === "ended" ? ended.state.exitCode : -1;
  const log = await readPodLog(client, namespace, pod, { container: RUNNER_CONTAINER });
  const summaryJson = findSummaryLine(log);
  if (summaryJson === undefined) {
    const tail = log.trimEnd().split("\n").slice(-5).join("\n    ");
    return { found: false, why: `pod ${pod} ended with exit code ${exitCode} before printing its summary; its log ends:\n    ${tail}` };
  }
  return { found: true, pod, exitCode, summaryJson };
}
