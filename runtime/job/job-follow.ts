// Waiting for a job's run to end, saying where it stands as it moves (scheduled, waiting for the service, running,
// ended), and with --follow streaming its containers' logs through the API server as they are written: the init
// containers' (prefixed with their name), then the runner's. The outcome carries the runner's exit code.
import type { KubeClient } from "../kube/client.ts";
import { followPodLog } from "../kube/pod-log.ts";
import { SUMMARY_LINE_MARKER } from "../output/summary/summary-line-output.ts";
import { RUNNER_CONTAINER } from "./job-spec.ts";
import { runnerState, type RunnerState } from "./job-status.ts";

export interface FollowOptions {
  /** Stream the containers' logs to `output`. */
  readonly follow: boolean;
  /** The init containers, in order (their logs come before the runner's). */
  readonly initContainers: readonly string[];
  readonly output: (text: string) => void;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Time between looks at the Job and its pod. */
  readonly pollMs?: number;
}

/** How the run ended: with the runner's exit code, or failed without one. */
export type JobOutcome = Extract<RunnerState, { phase: "ended" | "failed" }> | { readonly phase: "interrupted" };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

function describe(s: RunnerState): string {
  switch (s.phase) {
    case "pending": return `pod ${s.pod ?? "(not created yet)"} pending${s.why ? ` (${s.why})` : ""}`;
    case "init": return `pod ${s.pod}: init container ${s.container} running`;
    case "running": return `pod ${s.pod}: running`;
    case "ended": return `pod ${s.pod}: ended, exit code ${s.exitCode}${s.reason ? ` (${s.reason})` : ""}`;
    case "failed": return s.why;
  }
}

/** Waits until Job `name`'s runner has ended (or the Job failed), following its logs when asked. */
export async function followJob(client: KubeClient, namespace: string, name: string, o: FollowOptions): Promise<JobOutcome> {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let latest: RunnerState = { phase: "pending" };
  let logsDone = Promise.resolve();
  if (o.follow) logsDone = streamLogs(client, namespace, () => latest, o, stop.signal);
  let said = "";
  try {
    for (;;) {
      if (o.signal?.aborted) return { phase: "interrupted" };
      try {
        latest = await runnerState(client, namespace, name);
      } catch (e) {
        o.log(`cannot read Job ${namespace}/${name}: ${(e as Error).message}`);
        if ((e as { status?: number }).status === 404) return { phase: "failed", why: `Job ${namespace}/${name} is gone (deleted?)` };
      }
      const line = describe(latest);
      // Said once per change (a pod pending for minutes is one line); while following, the logs say it.
      if (line !== said && !(o.follow && (latest.phase === "running" || latest.phase === "init"))) {
        o.log(line);
        said = line;
      }
      if (latest.phase === "ended" || latest.phase === "failed") {
        // The log stream ends by itself once the container has ended; a little grace for its last bytes.
        await Promise.race([logsDone, sleep(10_000)]);
        return latest;
      }
      await sleep(o.pollMs ?? 1_000, o.signal);
    }
  } finally {
    stop.abort();
    o.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** Streams each container's log once it has started, init containers first. */
async function streamLogs(client: KubeClient, namespace: string, state: () => RunnerState, o: FollowOptions, signal: AbortSignal): Promise<void> {
  const containers = [...o.initContainers, RUNNER_CONTAINER];
  for (const container of containers) {
    const pod = await podOnceStarted(client, namespace, state, container, containers, signal);
    if (pod === undefined) return;
    // Whole lines: an init container's get its name in front; the runner's summary line is for `job result`, not
    // for the terminal.
    const prefix = container === RUNNER_CONTAINER ? "" : `[${container}] `;
    let partial = "";
    const line = (l: string) => {
      if (!l.startsWith(SUMMARY_LINE_MARKER)) o.output(`${prefix}${l}\n`);
    };
    const write = (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const l of lines) line(l);
    };
    try {
      await followPodLog(client, namespace, pod, { container }, write, signal);
      if (partial) line(partial);
    } catch (e) {
      if (!signal.aborted) o.log(`the log of ${pod} (${container}) could not be followed: ${(e as Error).message}`);
    }
  }
}

/** The pod once `container` has started (or the run is past it); undefined when the run ended first or stopped. */
async function podOnceStarted(client: KubeClient, namespace: string, state: () => RunnerState, container: string, order: readonly string[], signal: AbortSignal): Promise<string | undefined> {
  for (;;) {
    if (signal.aborted) return undefined;
    const s = state();
    if (s.phase === "failed" && s.pod === undefined) return undefined;
    if (s.phase !== "pending" && s.pod !== undefined) {
      // Past this container (a later one runs, or the pod ended): its log is complete and can be read at once.
      if (s.phase === "ended" || s.phase === "failed" || s.phase === "running") return s.pod;
      if (order.indexOf(s.container) >= order.indexOf(container)) return s.pod;
    }
    await sleep(250, signal);
  }
}
