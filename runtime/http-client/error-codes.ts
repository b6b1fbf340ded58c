// k6's error codes (lib/netext/httpext/error_codes.go) for what undici and Node report, with k6's messages: a k6
// user's checks on `res.error_code` and thresholds on `{error_code:1050}` mean the same here. The message is also
// the `error` tag, so it is one of a fixed set (never the URL or an address): details go to Response.error only.

/** A failure as a scenario sees it: k6's code, k6's short message (the tag), and the longer text of Response.error. */
export interface HttpFailure {
  readonly code: number;
  /** k6's message, e.g. "request timeout": few distinct values, safe as a tag. */
  readonly tag: string;
  /** What Response.error says: the tag and, where it helps, why (a refusal names its rule). */
  readonly message: string;
}

const HTTP2_CODES = [
  "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",
  "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
];

/** Certificates that do not chain to a trusted root (Go's x509.UnknownAuthorityError). */
const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_UNTRUSTED", "CERT_SIGNATURE_FAILURE",
]);

function failure(code: number, tag: string, detail?: string): HttpFailure {
  return { code, tag, message: detail === undefined || detail === "" ? tag : `${tag}: ${detail}` };
}

const cache = new Map<string, HttpFailure>();

/** The k6 code and messages of a transport failure (no answer, or an answer cut short). */
export function failureOf(err: Error): HttpFailure {
  const e = err as Error & { code?: unknown; cause?: { code?: unknown; message?: string } };
  const code = String(e.code ?? "");
  const cause = String(e.cause?.code ?? "");
  if (code === "LOADGEN_REFUSED") {
    const kind = (e as { kind?: string }).kind;
    return kind === "hostname" ? failure(1111, "hostname is blocked", err.message.replace(/^hostname is blocked: /, "")) : failure(1110, "ip is blacklisted", err.message.replace(/^ip is blacklisted: /, ""));
  }
  // The same undici errors recur under load: classify each distinct code once (refusals carry their own message).
  const key = code + "\u0000" + cause;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const f = classify(code, cause, err.message);
  if (f.message === f.tag && cache.size < 200) cache.set(key, f);
  return f;
}

function classify(code: string, cause: string, message: string): HttpFailure {
  const c = code === "UND_ERR_SOCKET" && cause !== "" ? cause : code;
  switch (c) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "LOADGEN_TIMEOUT":
      return failure(1050, "request timeout");
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return failure(1211, "dial: i/o timeout");
    case "ECONNREFUSED":
      return failure(1212, "dial: connection refused");
    case "ECONNRESET":
      return failure(1220, "read: connection reset by peer");
    case "EPIPE":
      return failure(1201, "write: broken pipe");
    case "ENOTFOUND":
      return failure(1101, "lookup: no such host");
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "ENODATA":
      return failure(1100, "lookup: DNS error", c);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return failure(1210, "dial: " + c.toLowerCase());
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return failure(1311, "x509: certificate doesn't match hostname");
    case "UND_ERR_SOCKET":
      // The server closed the connection without (finishing) an answer: Go reports io.EOF, k6 code 1000.
      return failure(1000, "EOF");
  }
  if (UNKNOWN_AUTHORITY.has(c)) return failure(1310, "x509: unknown authority");
  if (c.startsWith("ERR_TLS") || c.startsWith("ERR_SSL") || c.startsWith("CERT_") || /^EPROTO$/.test(c)) return failure(1300, "tls: handshake failed", c);
  const goaway = /GOAWAY.*?code (\d+)/.exec(message);
  if (goaway !== null) return failure(1610 + h2Offset(Number(goaway[1])), `http2: received GoAway with http2 ErrCode ${HTTP2_CODES[Number(goaway[1])] ?? "unknown"}`);
  if (c === "ERR_HTTP2_STREAM_ERROR" || /RST_STREAM|stream error/i.test(message)) {
    const name = /NGHTTP2_([A-Z_0-9]+)/.exec(message)?.[1];
    const n = name === undefined ? -1 : HTTP2_CODES.indexOf(name === "REFUSED_STREAM" ? name : name.replace(/^ERR_/, ""));
    return failure(1630 + h2Offset(n), `http2: stream error with http2 ErrCode ${n >= 0 ? HTTP2_CODES[n] : "unknown"}`);
  }
  if (c.startsWith("ERR_HTTP2")) return failure(1650, "http2: connection error", c);
  return failure(1000, "request failed", `${c ? c + ": " : ""}${message}`);
}

/** k6's offset of an HTTP/2 error code within its family (0 for an unknown code). */
function h2Offset(code: number): number {
  return code >= 0 && code < HTTP2_CODES.length ? code + 1 : 0;
}

/** k6's error code of an answer with an error status: 1000 + status for 4xx and 5xx, else 0. */
export function statusErrorCode(status: number): number {
  return status >= 400 ? 1000 + status : 0;
}
