// Errors of loadgen/k8s as a scenario sees them: one class with `status` (HTTP status, 0 when no response came) and
// `code` (the Status reason such as NotFound or Forbidden, or a transport code such as Connection or Timeout), and the
// classification of runtime/http/error-class.ts (kperf's errorStats keys).
import type { ErrorClass } from "../http/error-class.ts";

/** A failed Kubernetes API call; crosses into the guest with name, message, code and status. */
export class K8sError extends Error {
  readonly code: string;
  readonly status: number;
  readonly class: ErrorClass | undefined;
  /** True once a k8s_request_errors sample counts this failure (so callers do not count it twice). */
  recorded = false;
  constructor(message: string, code: string, status: number, cls?: ErrorClass) {
    super(message);
    this.name = "K8sError";
    this.code = code;
    this.status = status;
    this.class = cls;
  }
}

/** The error for an HTTP error status, with the API server's Status reason and message when the body has them. */
export function httpErrorFromStatus(what: string, status: number, body: string): K8sError {
  let reason = "";
  let message = "";
  try {
    const s = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (s && s.kind === "Status") {
      reason = s.reason ?? "";
      message = s.message ?? "";
    }
  } catch {
    message = body.slice(0, 200).trim();
  }
  const code = reason || REASONS[status] || `HTTP${status}`;
  const cls: ErrorClass = { kind: "http", key: `http/${status}`, code, message };
  const hint = status === 401 ? " (the credentials were rejected: an expired or wrong token or certificate?)" : "";
  return new K8sError(`${what}: ${status} ${code}${message ? `: ${message}` : ""}${hint}`, code, status, cls);
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** A problem found before any request was sent (unknown resource, malformed object, bad option). */
export function clientError(code: string, message: string): K8sError {
  return new K8sError(message, code, 0, { kind: "unknown", key: `unknown/${code}`, code, message });
}
