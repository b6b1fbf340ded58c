// A watch that survives disconnects: events are queued on the host as raw JSON lines and handed to the guest in
// batches; the last resourceVersion (from objects and bookmarks) is kept, a dropped stream is reopened from it, and a
// 410 Gone (as an HTTP status or an ERROR event) makes it list again and carry on from the list's resourceVersion,
// handing the scenario one RELIST event with the fresh list.
import type { Dispatcher } from "undici";
import type { TagSet } from "../metrics/tags.ts";
import { classifyError, statusClass, type ErrorClass } from "../http/error-class.ts";
import type { Endpoint } from "./endpoint.ts";
import { httpErrorFromStatus, K8sError } from "./errors.ts";
import type { SendOptions, Transport } from "./transport.ts";

/** What a watch needs to (re)open its stream and to relist. */
export interface WatchTarget {
  /** Collection path with the API prefix, without a query. */
  readonly path: string;
  /** Query parameters other than watch/resourceVersion (selectors, bookmarks, sendInitialEvents). */
  readonly query: string;
  readonly watchEndpoint: Endpoint;
  readonly listEndpoint: Endpoint;
  /** Deliver BOOKMARK events to the scenario (they are always requested, to keep the resourceVersion fresh). */
  readonly deliverBookmarks: boolean;
  readonly resourceVersion: string | undefined;
}

/** The queue beyond which the stream is paused until the scenario catches up. */
const HIGH_WATER = 10_000;
const MAX_BACKOFF_MS = 5_000;
/** How a relist is sent: its body kept (it is the list), past the rate limiter (the watch's own recovery, no scenario request to pace). */
const RELIST_SEND: SendOptions = Object.freeze({ keepBody: true });
/** HTTP statuses after which reopening cannot help. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 406, 415, 422]);

/** Per watch: how it went, for tests and reports. */
export interface WatchStats {
  events: number;
  reconnects: number;
  relists: number;
  resourceVersion: string | undefined;
}

export class WatchStream {
  readonly #t: Transport;
  readonly #target: WatchTarget;
  readonly #tags: TagSet;
  readonly #eventTags = new Map<string, TagSet>();
  #queue: string[] = [];
  #waiter: (() => void) | undefined;
  #failure: K8sError | undefined;
  #closed = false;
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #backoffMs = 0;
  readonly stats: WatchStats;

  constructor(transport: Transport, target: WatchTarget, tags: TagSet) {
    this.#t = transport;
    this.#target = target;
    this.#tags = tags;
    this.stats = { events: 0, reconnects: 0, relists: 0, resourceVersion: target.resourceVersion };
    void this.#open();
  }

  /**
   * Waits up to `maxWaitMs` for events and returns them as a JSON array text (possibly `[]`).
   * @throws {K8sError} when the watch failed for good (a permanent HTTP error) or was closed.
   */
  async next(maxWaitMs: number): Promise<string> {
    if (this.#queue.length === 0 && this.#failure === undefined && !this.#closed && maxWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiter = undefined;
          resolve();
        }, maxWaitMs);
        this.#waiter = () => {
          clearTimeout(timer);
          this.#waiter = undefined;
          resolve();
        };
      });
    }
    if (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      if (this.#resume !== undefined) {
        const r = this.#resume;
        this.#resume = undefined;
        r();
      }
      return "[" + batch.join(",") + "]";
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new K8sError("the watch is closed", "WatchClosed", 0);
    return "[]";
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort?.(new Error("watch closed"));
    this.#waiter?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #push(line: string): void {
    this.#queue.push(line);
    this.#waiter?.();
  }

  #fail(err: K8sError): void {
    this.#failure = err;
    this.#closed = true;
    this.#waiter?.();
  }

  async #open(): Promise<void> {
    while (!this.#closed) {
      const outcome = await this.#stream();
      if (this.#closed) return;
      if (outcome === "gone") {
        this.stats.relists++;
        try {
          await this.#relist();
          this.#backoffMs = 0;
        } catch (e) {
          if (e instanceof K8sError && PERMANENT.has(e.status)) return this.#fail(e);
          await this.#sleepBackoff();
        }
        continue;
      }
      if (outcome instanceof K8sError) {
        if (PERMANENT.has(outcome.status)) return this.#fail(outcome);
        await this.#sleepBackoff();
      } else if (outcome === "failed") {
        await this.#sleepBackoff();
      }
      // "ended": the server closed a healthy stream (timeout, restart): reopen at once from the last resourceVersion.
      this.stats.reconnects++;
    }
  }

  async #sleepBackoff(): Promise<void> {
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs === 0 ? 100 : this.#backoffMs * 2);
    await new Promise((r) => setTimeout(r, this.#backoffMs));
  }

  /** Lists the collection and restarts from its resourceVersion, handing the list over as one RELIST event. */
  async #relist(): Promise<void> {
    const t = this.#target;
    const query = t.query.replace(/(^|&)(allowWatchBookmarks|sendInitialEvents|resourceVersionMatch)=[^&]*/g, "").replace(/^&/, "");
    const reply = await this.#t.send(t.listEndpoint, t.path + (query ? "?" + query : ""), this.#tags, RELIST_SEND, undefined, undefined, true);
    const body = reply.body ?? "{}";
    const rv = (JSON.parse(body) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    this.stats.resourceVersion = rv;
    this.#countEvent("RELIST");
    this.#push(`{"type":"RELIST","object":${body}}`);
  }

  #countEvent(type: string): void {
    let tags = this.#eventTags.get(type);
    if (tags === undefined) {
      tags = this.#target.watchEndpoint.baseTags(this.#tags).with("type", type);
      this.#eventTags.set(type, tags);
    }
    this.stats.events++;
    this.#t.recorder.watchEvent(tags);
  }

  /** One watch request, until it ends: "ended" (closed by the server), "gone" (410), "failed" (transport), or an HTTP error. */
  async #stream(): Promise<"ended" | "gone" | "failed" | K8sError> {
    const t = this.#target;
    const rv = this.stats.resourceVersion;
    const path = `${t.path}?watch=1${t.query ? "&" + t.query : ""}${rv !== undefined ? `&resourceVersion=${encodeURIComponent(rv)}` : ""}`;
    const transport = this.#t;
    const headers = await transport.headers("application/json", undefined);
    const recorder = transport.recorder;
    const started = performance.now();
    return new Promise((resolve) => {
      let status = 0;
      let partial = "";
      let errorBody = "";
      let gone = false;
      let resumeStream: (() => void) | undefined;
      const handler: Dispatcher.DispatchHandler = {
        onConnect: (abort) => {
          this.#abort = abort;
        },
        onHeaders: (code, _raw, resume) => {
          if (code < 200) return true;
          resumeStream = resume;
          status = code;
          const ok = code < 400;
          recorder.request(t.watchEndpoint, this.#tags, code, performance.now() - started, 0, ok ? undefined : statusClass(code));
          if (ok) this.#backoffMs = 0;
          return true;
        },
        onData: (chunk) => {
          recorder.streamBytes(t.watchEndpoint, this.#tags, status, chunk.length);
          if (status >= 400) {
            errorBody += chunk.toString("utf8");
            return true;
          }
          const text = partial + chunk.toString("utf8");
          let start = 0;
          for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
            const line = text.slice(start, nl);
            start = nl + 1;
            if (line.length > 0 && this.#event(line)) gone = true;
          }
          partial = text.slice(start);
          if (gone) {
            this.#abort?.(new Error("resource version gone"));
            return false;
          }
          if (this.#queue.length > HIGH_WATER) {
            // Paused until next() drains the queue: TCP (or HTTP/2 flow control) pushes back on the server.
            this.#resume = resumeStream;
            return false;
          }
          return true;
        },
        onComplete: () => {
          this.#abort = undefined;
          if (partial.length > 0 && this.#event(partial)) gone = true;
          if (status === 410) return resolve("gone");
          if (status >= 400) return resolve(httpErrorFromStatus(`watch ${t.watchEndpoint.resource}`, status, errorBody));
          resolve(gone ? "gone" : "ended");
        },
        onError: (err) => {
          this.#abort = undefined;
          if (gone) return resolve("gone");
          if (this.#closed) return resolve("ended");
          const cls: ErrorClass = classifyError(err);
          if (status === 0) recorder.request(t.watchEndpoint, this.#tags, 0, performance.now() - started, 0, cls);
          else recorder.streamError(t.watchEndpoint, this.#tags, status, cls);
          resolve("failed");
        },
      };
      transport.http.stream(path, headers, handler);
    });
  }

  /** Handles one event line; true when it says the resourceVersion is gone (410). */
  #event(line: string): boolean {
    let ev: { type?: string; object?: { code?: number; metadata?: { resourceVersion?: string } } };
    try {
      ev = JSON.parse(line);
    } catch {
      return false;
    }
    const type = ev.type ?? "UNKNOWN";
    if (type === "ERROR") {
      if (ev.object?.code === 410) return true;
      this.#countEvent(type);
      this.#push(line);
      return false;
    }
    const rv = ev.object?.metadata?.resourceVersion;
    if (rv !== undefined && rv !== "") this.stats.resourceVersion = rv;
    this.#countEvent(type);
    if (type === "BOOKMARK" && !this.#target.deliverBookmarks) return false;
    this.#push(line);
    return false;
  }
}
