// Where a job's run stands, from what the API server says about its Job and its pod: pending, an init container at
// work (waiting for the service), the runner running, or ended with the runner container's exit code (the
// scenario's: 0, 99, …), or failed without one (its deadline passed, its pod was deleted, its image is missing).
import type { KubeClient } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import { JOB_LABEL, RUNNER_CONTAINER } from "./job-spec.ts";

export type RunnerState =
  | { readonly phase: "pending"; readonly pod?: string; readonly why?: string }
  | { readonly phase: "init"; readonly pod: string; readonly container: string }
  | { readonly phase: "running"; readonly pod: string }
  | { readonly phase: "ended"; readonly pod: string; readonly exitCode: number; readonly reason: string; readonly message?: string }
  /** The Job failed with no exit code of its runner, or its pod cannot start (an image pull that never works). */
  | { readonly phase: "failed"; readonly pod?: string; readonly why: string };

/** A container waiting for one of these will not start by itself. */
const STUCK = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "ErrImageNeverPull"]);

interface ContainerStatus {
  name: string;
  state?: { running?: object; waiting?: { reason?: string; message?: string }; terminated?: { exitCode: number; reason?: string; message?: string } };
}

/** The newest of `pods`. */
function newest(pods: readonly KubeObject[]): KubeObject | undefined {
  return [...pods].sort((a, b) => String(a.metadata?.creationTimestamp ?? "").localeCompare(String(b.metadata?.creationTimestamp ?? "")) || String(a.metadata?.name).localeCompare(String(b.metadata?.name))).at(-1);
}

/** The state of one pod's run. */
export function podState(pod: KubeObject): RunnerState {
  const name = pod.metadata.name as string;
  const status = (pod.status ?? {}) as { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  const runner = status.containerStatuses?.find((c) => c.name === RUNNER_CONTAINER);
  const terminated = runner?.state?.terminated;
  if (terminated) return { phase: "ended", pod: name, exitCode: terminated.exitCode, reason: terminated.reason ?? "", ...(terminated.message ? { message: terminated.message } : {}) };
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    if (w?.reason && STUCK.has(w.reason)) return { phase: "failed", pod: name, why: `container ${c.name} cannot start: ${w.reason}${w.message ? `: ${w.message}` : ""}` };
    const t = c.state?.terminated;
    if (t && c.name !== RUNNER_CONTAINER && t.exitCode !== 0) return { phase: "failed", pod: name, why: `init container ${c.name} exited with ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}${t.message ? `: ${t.message.trim()}` : ""}` };
  }
  if (runner?.state?.running) return { phase: "running", pod: name };
  const initRunning = status.initContainerStatuses?.find((c) => c.state?.running);
  if (initRunning) return { phase: "init", pod: name, container: initRunning.name };
  const unscheduled = status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  return { phase: "pending", pod: name, ...(unscheduled ? { why: `${unscheduled.reason ?? "unschedulable"}: ${unscheduled.message ?? ""}` } : {}) };
}

/** The pods of a job (of every run of a CronJob), oldest first. */
export async function jobPods(client: KubeClient, namespace: string, name: string): Promise<KubeObject[]> {
  const { items } = await client.listObjects("pods", { namespace, labelSelector: `${JOB_LABEL}=${name}`, quiet: true });
  return items.sort((a, b) => String(a.metadata?.creationTimestamp ?? "").localeCompare(String(b.metadata?.creationTimestamp ?? "")));
}

/**
 * Where the run of Job `name` stands.
 * @throws {K8sError} NotFound when there is no such Job.
 */
export async function runnerState(client: KubeClient, namespace: string, name: string): Promise<RunnerState> {
  const job = JSON.parse((await client.get("jobs.batch", name, { namespace, quiet: true })).body ?? "{}") as KubeObject;
  const pods = await client.listObjects("pods", { namespace, labelSelector: `batch.kubernetes.io/job-name=${name}`, quiet: true });
  const pod = newest(pods.items);
  const state = pod ? podState(pod) : ({ phase: "pending" } as RunnerState);
  if (state.phase === "ended") return state;
  const failed = (job.status?.conditions as Array<{ type: string; status: string; reason?: string; message?: string }> | undefined)?.find((c) => c.type === "Failed" && c.status === "True");
  if (failed) {
    const why = failed.reason === "DeadlineExceeded"
      ? `the Job ran past its activeDeadlineSeconds (${job.spec?.activeDeadlineSeconds} s): Kubernetes stopped its pod, and the run's result went with it`
      : `the Job failed: ${failed.reason ?? ""}${failed.message ? `: ${failed.message}` : ""}`;
    return { phase: "failed", ...(pod ? { pod: pod.metadata.name } : {}), why };
  }
  return state;
}

/** True for the API server's 404. */
export function isNotFound(e: unknown): boolean {
  return e instanceof K8sError && e.status === 404;
}
