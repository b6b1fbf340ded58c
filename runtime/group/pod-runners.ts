/**
 * The coordinator's view of a group of runner pods, through the API server only (a laptop with a kubeconfig is
 * enough; nothing connects to the pods): one watch on the group's pods, each pod's log followed (`follow=true`) for
 * the runner's messages, commands written into the control ConfigMap. A `RunnerLink` per Job index, so the
 * coordinator (group-execution.ts) drives pods as it drives local workers.
 *
 * - A runner is **gone** when its container has terminated and its log has been read to the end (the exit code and
 *   reason, e.g. OOMKilled, come from the container's status), when its pod is deleted (deletionTimestamp set, or the
 *   pod vanishes), when its pod failed without running (evicted), or when it cannot start: unschedulable, an image
 *   that cannot be pulled, a container that cannot be created, or no pod at all within the ready timeout.
 * - A log stream that ends while the container still runs (the API server or kubelet closed it) is opened again
 *   from the start; the lines already read are skipped, so no message is seen twice.
 * - `start` gets `atMs` (now + {@link START_LEAD_MS}): each runner waits for that moment, so they start together
 *   however late the watch reaches each; the group keeps each runner's start time (its snapshots' `startedAtMs`)
 *   for the start skew.
 */
import { PassThrough } from "node:stream";
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import { decodeLine, encodeMessage, lineSplitter, type CoordinatorCommand, type RunnerMessage } from "./protocol.ts";
import { EventQueue, type RunnerEvent, type RunnerLink } from "./runner-link.ts";
import { COMPLETION_INDEX_LABEL, GROUP_LABEL, RUNNER_CONTAINER, controlName } from "./pod-objects.ts";

/** How far ahead of the `start` write runners are told to start: enough for a watch event to reach every pod. */
export const START_LEAD_MS = 750;

/** Waiting reasons of a container that will not start by itself. */
const STUCK_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "ErrImageNeverPull", "CrashLoopBackOff", "RunContainerError"]);

export interface PodGroupOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly count: number;
  readonly segments: readonly string[];
  readonly log: (line: string) => void;
  /** How long a runner may take to say `ready` (image pulls, scheduling), in ms. */
  readonly readyTimeoutMs: number;
}

/** When runners started (from their `started` lines) and stopped (their `done`), for the figures the CLI prints. */
export interface GroupTimes {
  /** Epoch ms each runner started its scenarios at, by index. */
  readonly started: Map<number, number>;
  /** When the coordinator wrote `abort` (epoch ms), if it did. */
  abortAt?: number;
  /** When each runner's `done` was read (epoch ms), by index. */
  readonly done: Map<number, number>;
}

export class PodGroup {
  readonly #o: PodGroupOptions;
  readonly links: PodRunnerLink[];
  readonly times: GroupTimes = { started: new Map(), done: new Map() };
  #podWatch: AbortController | undefined;
  #closed = false;
  #written = new Set<string>();
  #writes: Promise<void> = Promise.resolve();
  #core!: import("@kubernetes/client-node").CoreV1Api;
  #logApi!: import("@kubernetes/client-node").Log;

  constructor(o: PodGroupOptions) {
    this.#o = o;
    this.links = o.segments.map((segment, index) => new PodRunnerLink(this, index, segment));
  }

  get options(): PodGroupOptions {
    return this.#o;
  }

  /** Starts watching the pods (and so following their logs). */
  async open(): Promise<void> {
    const k = await import("@kubernetes/client-node");
    this.#core = this.#o.kubeConfig.makeApiClient(k.CoreV1Api);
    this.#logApi = new k.Log(this.#o.kubeConfig);
    void this.#watchPods(k);
    const deadline = setTimeout(() => {
      for (const l of this.links) l.readyDeadline(this.#o.readyTimeoutMs);
    }, this.#o.readyTimeoutMs);
    deadline.unref();
  }

  close(): void {
    this.#closed = true;
    this.#podWatch?.abort();
    for (const l of this.links) l.stopFollowing();
  }

  /** Writes a command for every runner (once per type: the key stays, so reattaching runners see it too). */
  command(c: CoordinatorCommand): void {
    if (this.#written.has(c.type)) return;
    this.#written.add(c.type);
    const stamped = c.type === "start" ? { ...c, atMs: Date.now() + START_LEAD_MS } : c;
    if (c.type === "abort") this.times.abortAt = Date.now();
    this.#writes = this.#writes.then(() => this.#writeKey(c.type, encodeMessage(stamped).trimEnd()));
  }

  /** Resolves once every command written so far is in the ConfigMap. */
  flushed(): Promise<void> {
    return this.#writes;
  }

  async #writeKey(key: string, value: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const cm = await this.#core.readNamespacedConfigMap({ namespace: this.#o.namespace, name: controlName(this.#o.name) });
        if (cm.data?.[key] !== undefined) return;
        cm.data = { ...cm.data, [key]: value };
        await this.#core.replaceNamespacedConfigMap({ namespace: this.#o.namespace, name: controlName(this.#o.name), body: cm });
        return;
      } catch (e) {
        // A conflict (someone wrote between read and replace) or a passing API error: read again.
        if (attempt >= 20) return this.#o.log(`ERROR could not write "${key}" into ConfigMap ${controlName(this.#o.name)}: ${(e as Error).message}`);
        await sleep(250);
      }
    }
  }

  async #watchPods(k: typeof import("@kubernetes/client-node")): Promise<void> {
    const labelSelector = `${GROUP_LABEL}=${this.#o.name}`;
    while (!this.#closed) {
      let resourceVersion: string | undefined;
      try {
        const list = await this.#core.listNamespacedPod({ namespace: this.#o.namespace, labelSelector });
        resourceVersion = list.metadata?.resourceVersion;
        const seen = new Set<string>();
        for (const pod of list.items) {
          seen.add(pod.metadata!.name!);
          this.#onPod("MODIFIED", pod);
        }
        for (const l of this.links) l.missingUnless(seen);
      } catch (e) {
        this.#o.log(`WARN  listing the runner pods: ${(e as Error).message}; trying again`);
        await sleep(1000);
        continue;
      }
      await new Promise<void>((resolve) => {
        new k.Watch(this.#o.kubeConfig)
          .watch(`/api/v1/namespaces/${this.#o.namespace}/pods`, { labelSelector, resourceVersion, allowWatchBookmarks: true }, (type, pod: V1Pod) => {
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") this.#onPod(type, pod);
          }, () => resolve())
          .then((c) => {
            this.#podWatch = c;
            if (this.#closed) c.abort();
          }, () => resolve());
      });
      if (!this.#closed) await sleep(200);
    }
  }

  #onPod(type: string, pod: V1Pod): void {
    const index = Number(pod.metadata?.labels?.[COMPLETION_INDEX_LABEL] ?? pod.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"]);
    const link = this.links[index];
    if (link) link.observe(type, pod);
  }

  /** Follows one pod's log from the start, skipping the first `skip` lines; `onEnd` when the stream ends. */
  async followLog(pod: string, skip: number, onLine: (line: string) => void, onEnd: (error?: Error) => void): Promise<AbortController | undefined> {
    const stream = new PassThrough();
    let n = 0;
    const lines = lineSplitter((line) => {
      if (n++ >= skip) onLine(line);
    });
    stream.setEncoding("utf8");
    stream.on("data", (c: string) => lines.push(c));
    stream.on("end", () => {
      lines.end();
      onEnd();
    });
    stream.on("error", (e) => onEnd(e));
    try {
      return await this.#logApi.log(this.#o.namespace, pod, RUNNER_CONTAINER, stream, { follow: true });
    } catch (e) {
      onEnd(e as Error);
      return undefined;
    }
  }

  async deletePod(name: string): Promise<void> {
    await this.#core.deleteNamespacedPod({ namespace: this.#o.namespace, name, gracePeriodSeconds: 0 }).catch(() => {});
  }
}

/** One Job index: its pod (once the Job controller made it), its log, its state. */
export class PodRunnerLink implements RunnerLink {
  readonly index: number;
  readonly segment: string;
  readonly #group: PodGroup;
  readonly #events = new EventQueue<RunnerEvent>();
  #pod: string | undefined;
  #node: string | undefined;
  #following = false;
  #logEnded = false;
  #linesRead = 0;
  #follow: AbortController | undefined;
  /** The container's end, once its status says it terminated. */
  #terminated: { exitCode: number; reason: string } | undefined;
  #ready = false;
  #gone = false;

  constructor(group: PodGroup, index: number, segment: string) {
    this.#group = group;
    this.index = index;
    this.segment = segment;
  }

  get name(): string {
    return this.#pod ?? `runner ${this.index}`;
  }

  /** The pod's name, once it has one. */
  get pod(): string | undefined {
    return this.#pod;
  }

  get node(): string | undefined {
    return this.#node;
  }

  where(): string {
    return this.#node ?? "-";
  }

  next(): Promise<RunnerEvent> {
    return this.#events.next();
  }

  send(command: CoordinatorCommand): void {
    this.#group.command(command);
  }

  kill(): void {
    if (this.#pod && !this.#gone) void this.#group.deletePod(this.#pod);
  }

  stopFollowing(): void {
    this.#follow?.abort();
  }

  readyDeadline(ms: number): void {
    if (!this.#ready) this.#lose(null, `was not ready within ${Math.round(ms / 1000)} s${this.#pod ? "" : " (the Job made no pod for it)"}`);
  }

  /** A list that did not include this runner's pod, which it had: the pod is gone. */
  missingUnless(seen: ReadonlySet<string>): void {
    if (this.#pod && !seen.has(this.#pod)) this.#lose(null, `pod ${this.#pod} was deleted`);
  }

  observe(type: string, pod: V1Pod): void {
    const name = pod.metadata!.name!;
    // An index gets one pod (backoffLimitPerIndex 0); a second one would be the Job's replacement, not ours to read.
    if (this.#pod !== undefined && this.#pod !== name) return;
    this.#pod = name;
    this.#node = pod.spec?.nodeName ?? this.#node;
    if (this.#gone) return;
    if (type === "DELETED" || pod.metadata?.deletionTimestamp) {
      if (this.#terminated && this.#logEnded) return this.#end();
      return this.#lose(this.#terminated?.exitCode ?? null, `pod ${name} was deleted`);
    }
    const status = pod.status?.containerStatuses?.find((c) => c.name === RUNNER_CONTAINER);
    const waiting = status?.state?.waiting;
    if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) return this.#lose(null, `pod ${name} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`);
    const unschedulable = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
    if (unschedulable) return this.#lose(null, `pod ${name} cannot be scheduled: ${unschedulable.message ?? "Unschedulable"}`);
    const disrupted = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True");
    if (disrupted) return this.#lose(null, `pod ${name} is being evicted (${disrupted.reason ?? "DisruptionTarget"}${disrupted.message ? `: ${disrupted.message}` : ""})`);
    const terminated = status?.state?.terminated;
    if (terminated) {
      this.#terminated = { exitCode: terminated.exitCode, reason: terminated.reason === "OOMKilled" ? `was OOMKilled (exit code ${terminated.exitCode})` : `exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== "Completed" && terminated.reason !== "Error" ? ` (${terminated.reason})` : ""}` };
    } else if (pod.status?.phase === "Failed" && !status?.state?.running) {
      return this.#lose(null, `pod ${name} failed: ${pod.status.reason ?? ""} ${pod.status.message ?? ""}`.trim());
    }
    if ((status?.state?.running || terminated) && !this.#following) this.#startFollowing();
    if (this.#terminated && this.#logEnded) this.#end();
  }

  #startFollowing(): void {
    this.#following = true;
    this.#logEnded = false;
    const pod = this.#pod!;
    void this.#group.followLog(pod, this.#linesRead, (line) => this.#line(line), (error) => {
      this.#following = false;
      if (this.#gone) return;
      if (this.#terminated) {
        this.#logEnded = true;
        return this.#end();
      }
      // The stream closed while the container runs: read again (skipping what was read) after a moment.
      setTimeout(() => {
        if (!this.#gone && !this.#following) this.#startFollowing();
      }, error ? 1000 : 200).unref();
    }).then((c) => (this.#follow = c));
  }

  #line(line: string): void {
    this.#linesRead++;
    let message: RunnerMessage | undefined;
    try {
      message = decodeLine<RunnerMessage>(line);
    } catch (e) {
      return this.#lose(null, `sent a message that does not read: ${(e as Error).message}`);
    }
    if (message === undefined) return this.#events.push({ kind: "log", line });
    if (message.type === "ready") this.#ready = true;
    if (message.type === "done") this.#group.times.done.set(this.index, Date.now());
    if ((message.type === "snapshot" || message.type === "done") && message.startedAtMs > 0) this.#group.times.started.set(this.index, message.startedAtMs);
    this.#events.push({ kind: "message", message });
  }

  #end(): void {
    this.#lose(this.#terminated!.exitCode, this.#terminated!.reason);
  }

  #lose(exitCode: number | null, reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#follow?.abort();
    this.#events.push({ kind: "gone", exitCode, reason });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
