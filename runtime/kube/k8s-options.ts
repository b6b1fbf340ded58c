// `options.k8s`: the connection model and limits of a run (kperf's spec fields, plus cleanup), validated once.
import { parseDuration } from "../metrics/duration.ts";

/** Resolved `options.k8s`. */
export interface K8sOptions {
  /** Long-lived connections to the API server (kperf `conns`). */
  readonly conns: number;
  /** Concurrent requesters (kperf `client`); in scenarios it caps HTTP/1.1 sockets; 0 = no cap. */
  readonly clients: number;
  readonly http2: boolean;
  readonly contentType: "json" | "protobuf";
  /** Requests per second across the run; 0 = unlimited. */
  readonly qps: number;
  readonly burst: number;
  readonly timeoutMs: number;
  /** Retries of a 429 (or 5xx) with Retry-After (kperf `maxRetries`). */
  readonly maxRetries: number;
  /** Delete every object the run created when it ends, and wait until they are gone. */
  readonly cleanup: boolean;
}

export const DEFAULT_K8S_OPTIONS: K8sOptions = Object.freeze({
  conns: 1,
  clients: 0,
  http2: true,
  contentType: "json",
  qps: 0,
  burst: 1,
  timeoutMs: 60_000,
  maxRetries: 0,
  cleanup: false,
});

const KEYS = new Set(["conns", "clients", "http2", "contentType", "qps", "burst", "timeout", "maxRetries", "cleanup"]);

/**
 * Reads `options.k8s`.
 * @throws {Error} listing every problem, each naming its field.
 */
export function parseK8sOptions(raw: unknown): K8sOptions {
  if (raw === undefined || raw === null) return DEFAULT_K8S_OPTIONS;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("options.k8s must be an object");
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!KEYS.has(k)) problems.push(`options.k8s.${k}: unknown option (known: ${[...KEYS].join(", ")})`);
  const int = (key: string, def: number, min: number): number => {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      problems.push(`options.k8s.${key}: must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  };
  const bool = (key: string, def: boolean): boolean => {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== "boolean") {
      problems.push(`options.k8s.${key}: must be true or false, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  };
  let qps = DEFAULT_K8S_OPTIONS.qps;
  if (o.qps !== undefined) {
    if (typeof o.qps !== "number" || !(o.qps >= 0)) problems.push(`options.k8s.qps: must be a number >= 0 (0 = unlimited), got ${JSON.stringify(o.qps)}`);
    else qps = o.qps;
  }
  let contentType = DEFAULT_K8S_OPTIONS.contentType;
  if (o.contentType !== undefined) {
    if (o.contentType !== "json" && o.contentType !== "protobuf") problems.push(`options.k8s.contentType: must be "json" or "protobuf", got ${JSON.stringify(o.contentType)}`);
    else contentType = o.contentType;
  }
  let timeoutMs = DEFAULT_K8S_OPTIONS.timeoutMs;
  if (o.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(o.timeout as string, "options.k8s.timeout");
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const parsed: K8sOptions = {
    conns: int("conns", DEFAULT_K8S_OPTIONS.conns, 1),
    clients: int("clients", DEFAULT_K8S_OPTIONS.clients, 0),
    http2: bool("http2", DEFAULT_K8S_OPTIONS.http2),
    contentType,
    qps,
    burst: int("burst", DEFAULT_K8S_OPTIONS.burst, 1),
    timeoutMs,
    maxRetries: int("maxRetries", DEFAULT_K8S_OPTIONS.maxRetries, 0),
    cleanup: bool("cleanup", DEFAULT_K8S_OPTIONS.cleanup),
  };
  if (problems.length) throw new Error(problems.join("; "));
  return parsed;
}

/** The Accept header for responses nobody decodes. */
export function acceptFor(contentType: "json" | "protobuf"): string {
  return contentType === "protobuf" ? "application/vnd.kubernetes.protobuf,application/json" : "application/json";
}
