// The one place a Kubernetes API request is sent and its sample recorded: credentials and Accept on top of the HTTP
// transport (runtime/http), the sample of every request (recorder.ts), and the error a caller sees (a K8sError with
// the API server's Status reason). Bodies are kept only when the caller wants the objects (or the server answered
// with an error, whose Status message we report).
import type { Dispatcher } from "undici";
import { classifyError, statusClass } from "../http/error-class.ts";
import type { ExchangeOptions } from "../http/exchange.ts";
import type { HttpTransport } from "../http/transport.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "./cluster-access.ts";
import type { Endpoint } from "./endpoint.ts";
import { httpErrorFromStatus, K8sError } from "./errors.ts";
import type { RequestRecorder } from "./recorder.ts";

/** How a request ended when it succeeded (failures throw). */
export interface Reply {
  readonly status: number;
  readonly bytes: number;
  /** The body as text, when kept. */
  readonly body: string | undefined;
  readonly durationMs: number;
}

/** How a kind of request is sent, made once: the exchange's options and the body's content type. */
export interface SendOptions extends ExchangeOptions {
  /** The body's content type, for requests with a body. */
  readonly contentType?: string;
}

const JSON_ACCEPT = "application/json";
const KEEP: SendOptions = Object.freeze({ keepBody: true });

export class Transport {
  readonly access: ClusterAccess;
  readonly http: HttpTransport;
  readonly recorder: RequestRecorder;
  /** `Accept` for responses nobody decodes: JSON or protobuf (kperf's contentType). */
  readonly #accept: string;

  constructor(access: ClusterAccess, http: HttpTransport, recorder: RequestRecorder, accept: string) {
    this.access = access;
    this.http = http;
    this.recorder = recorder;
    this.#accept = accept;
  }

  /** Request headers with the current credentials. */
  async headers(accept: string, contentType: string | undefined): Promise<Record<string, string>> {
    const auth = this.access.cachedHeaders() ?? (await this.access.headers());
    return this.http.headers(auth, accept, contentType);
  }

  /**
   * Sends one request and records it: k8s_requests and k8s_request_duration (with the status), k8s_bytes_received, and
   * k8s_request_errors (with `kind` and kperf's `error` key) for failures. `dispatcher` and `limited` are kperf's
   * model: a requester's own connection, and a rate-limit token it already waited for.
   * @throws {K8sError} for an HTTP error status (with `status` and the Status `reason` as `code`) or a transport failure.
   */
  async send(endpoint: Endpoint, pathAndQuery: string, base: TagSet, o: SendOptions, body?: string, dispatcher?: Dispatcher, limited?: boolean): Promise<Reply> {
    const auth = this.access.cachedHeaders() ?? (await this.access.headers());
    const headers = this.http.headers(auth, o.keepBody ? JSON_ACCEPT : this.#accept, body === undefined ? undefined : o.contentType);
    const r = await this.http.send(endpoint.method, pathAndQuery, headers, body, o, dispatcher, limited);
    if (r.error !== undefined) {
      const cls = classifyError(r.error);
      this.recorder.request(endpoint, base, 0, r.durationMs, r.bytes, cls);
      throw recorded(new K8sError(`${describe(endpoint, pathAndQuery)}: ${cls.message}`, cls.code, 0, cls));
    }
    if (r.status >= 400) {
      if (r.status === 401) this.access.invalidate();
      this.recorder.request(endpoint, base, r.status, r.durationMs, r.bytes, statusClass(r.status));
      throw recorded(httpErrorFromStatus(describe(endpoint, pathAndQuery), r.status, r.text()));
    }
    this.recorder.request(endpoint, base, r.status, r.durationMs, r.bytes, undefined);
    return { status: r.status, bytes: r.bytes, body: r.kept ? r.text() : undefined, durationMs: r.durationMs };
  }

  /**
   * A request made for loadgen's own bookkeeping (discovery, /metrics, cleanup, probes): same connections and
   * credentials, no rate limit, no samples. `pathAndQuery` is below the server's path prefix.
   * @throws {K8sError} as `send` does.
   */
  async internal(method: Dispatcher.HttpMethod, pathAndQuery: string, o: { body?: string; contentType?: string; accept?: string } = {}): Promise<Reply & { body: string }> {
    const headers = await this.headers(o.accept ?? JSON_ACCEPT, o.body === undefined ? undefined : o.contentType);
    const r = await this.http.send(method, this.access.pathPrefix + pathAndQuery, headers, o.body, KEEP, undefined, true);
    const what = `${method} ${pathAndQuery}`;
    if (r.error !== undefined) {
      const cls = classifyError(r.error);
      throw new K8sError(`${what}: ${cls.message}`, cls.code, 0, cls);
    }
    if (r.status >= 400) throw httpErrorFromStatus(what, r.status, r.text());
    return { status: r.status, bytes: r.bytes, body: r.text(), durationMs: r.durationMs };
  }
}

function recorded(e: K8sError): K8sError {
  e.recorded = true;
  return e;
}

function describe(e: Endpoint, pathAndQuery: string): string {
  return `${e.verb} ${e.resource}${e.group ? "." + e.group : ""} (${e.method} ${pathAndQuery})`;
}
