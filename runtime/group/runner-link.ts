import type { CoordinatorCommand, RunnerMessage } from "./protocol.ts";

/** What the coordinator learns from one runner, in order. */
export type RunnerEvent =
  | { readonly kind: "message"; readonly message: RunnerMessage }
  /** A line of the runner's own log (stderr, or a non-message line of a pod's log). */
  | { readonly kind: "log"; readonly line: string }
  /** The runner is gone: its process exited, its pod terminated or was deleted. Always the last event. */
  | { readonly kind: "gone"; readonly exitCode: number | null; readonly reason: string };

/**
 * The coordinator's end of one runner, whatever carries the protocol: a local worker's pipes (local-workers.ts), or a
 * runner pod's log and command ConfigMap through the API server (`loadgen rg run`).
 */
export interface RunnerLink {
  /** Index in the group (0-based), and the segment it runs (`1/4:1/2`). */
  readonly index: number;
  readonly segment: string;
  /** How messages name it: `worker 2`, or a pod's name. */
  readonly name: string;
  /** Where it runs, for the summary's table: a pid, a pod on a node. */
  where(): string;
  /** The next event; after `gone` there are none (the promise never settles). */
  next(): Promise<RunnerEvent>;
  send(command: CoordinatorCommand): void;
  /** Ends the runner at once (a run that stops before its runners finish). */
  kill(): void;
}

/** An ordered queue of events a link's transport pushes and the coordinator pulls with `next()`. */
export class EventQueue<T> {
  readonly #items: T[] = [];
  readonly #waiting: Array<(item: T) => void> = [];

  push(item: T): void {
    const w = this.#waiting.shift();
    if (w) w(item);
    else this.#items.push(item);
  }

  next(): Promise<T> {
    if (this.#items.length) return Promise.resolve(this.#items.shift()!);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
