// How a request failed, classified the way kperf counts failures in its errorStats: http/<status>,
// http2-protocol/<code>, connection/<code>, timeout, unknown/<message>. Protocol-level only: what a status means to
// a particular API (a Kubernetes Status, say) is the client's to read.

/** The `kind` of a failure (the `kind` tag of a client's error metric). */
export type ErrorKind = "http" | "http2" | "connection" | "timeout" | "unknown";

/** A failure, classified. `key` is kperf's errorStats key. */
export interface ErrorClass {
  readonly kind: ErrorKind;
  readonly key: string;
  /** The code a scenario sees (Timeout, HTTP2, Connection, Unknown, or the API's reason for an HTTP status). */
  readonly code: string;
  readonly message: string;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);
const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNABORTED",
  "UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_DESTROYED", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_INFO",
]);

/** Classifies a transport failure (no HTTP status) the way kperf does: HTTP/2 protocol, connection, timeout, unknown. */
export function classifyError(err: Error): ErrorClass {
  const code = String((err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code ?? "");
  const message = err.message || String(err);
  if (TIMEOUT_CODES.has(code)) return { kind: "timeout", key: "timeout", code: "Timeout", message: `timed out (${code})` };
  if (code.startsWith("ERR_HTTP2") || /http2|GOAWAY|RST_STREAM/i.test(message)) {
    return { kind: "http2", key: `http2-protocol/${code || "error"}`, code: "HTTP2", message: `HTTP/2 error: ${message}` };
  }
  if (CONNECTION_CODES.has(code) || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return { kind: "connection", key: `connection/${code}`, code: "Connection", message: `connection failed: ${code}: ${message}` };
  }
  return { kind: "unknown", key: `unknown/${code || message.slice(0, 60)}`, code: "Unknown", message };
}

/** The class of an answer with an error status, before anyone has read its body. */
export function statusClass(status: number): ErrorClass {
  return { kind: "http", key: `http/${status}`, code: "", message: "" };
}
