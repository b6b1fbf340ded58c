// One kperf request ready to send, shared by the weighted builders (runner.ts) and the time-series ones
// (exact-request.ts): a request the client prepared, and the body of this one send.
import type { Prepared } from "../kube/request-compiler.ts";

export interface Built {
  readonly request: Prepared;
  /** The body, for writes. */
  readonly body?: string;
  /** Called with the outcome, for kinds that keep state (put, postDel). */
  after?(ok: boolean, error: unknown): void;
}
