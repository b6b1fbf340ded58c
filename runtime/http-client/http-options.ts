// The options of loadgen/http: k6's top-level HTTP options with k6's names and defaults, and loadgen's own in
// `options.http`. Read once per run; every problem is reported with its field.
import { AddressRules } from "../http/address-rules.ts";
import { parseDuration } from "../metrics/duration.ts";

/** A client certificate for some domains (k6's tlsAuth entry). */
export interface ClientCertificate {
  /** Hostnames it is offered to; empty: every host. */
  readonly domains: readonly string[];
  readonly cert: string;
  readonly key: string;
  readonly password: string | undefined;
}

/** The resolved options. */
export interface HttpClientOptions {
  readonly insecureSkipTLSVerify: boolean;
  readonly tlsAuth: readonly ClientCertificate[];
  readonly blockHostnames: readonly string[];
  readonly blacklistIPs: readonly string[];
  readonly maxRedirects: number;
  readonly userAgent: string;
  readonly discardResponseBodies: boolean;
  readonly batch: number;
  readonly batchPerHost: number;
  readonly throw: boolean;
  /** PEM CA certificates trusted besides Node's roots. */
  readonly ca: readonly string[];
  readonly http2: boolean;
  /** HTTP/1.1 connections per origin at most; 0: as many as requests in flight. */
  readonly connectionsPerHost: number;
  readonly timeoutMs: number;
}

/** The top-level option keys this module reads (k6's), besides its `http` section. */
export const HTTP_TOP_LEVEL_KEYS = [
  "insecureSkipTLSVerify", "tlsAuth", "blockHostnames", "blacklistIPs", "maxRedirects", "userAgent", "discardResponseBodies", "batch", "batchPerHost", "throw",
] as const;

const SECTION_KEYS = new Set(["ca", "http2", "connectionsPerHost", "timeout"]);

/**
 * Reads the run's options (the whole `options` object).
 * @throws {Error} listing every problem, each naming its field.
 */
export function parseHttpOptions(options: Readonly<Record<string, unknown>> | undefined, userAgent: string): HttpClientOptions {
  const problems = httpOptionProblems(options);
  if (problems.length) throw new Error(problems.join("; "));
  return read(options ?? {}, [], userAgent);
}

/** Every problem with the HTTP options, each naming its field (empty: they are fine). */
export function httpOptionProblems(options: Readonly<Record<string, unknown>> | undefined): string[] {
  const problems: string[] = [];
  read(options ?? {}, problems, "");
  return problems;
}

function read(o: Readonly<Record<string, unknown>>, problems: string[], userAgent: string): HttpClientOptions {
  const bool = (v: unknown, field: string, def: boolean): boolean => {
    if (v === undefined) return def;
    if (typeof v !== "boolean") problems.push(`${field}: must be true or false, got ${JSON.stringify(v)}`);
    return v === true;
  };
  const int = (v: unknown, field: string, def: number, min: number): number => {
    if (v === undefined) return def;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      problems.push(`${field}: must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  };
  const strings = (v: unknown, field: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
      problems.push(`${field}: must be a list of strings, got ${JSON.stringify(v)}`);
      return [];
    }
    return v as string[];
  };
  const section = o.http;
  let s: Record<string, unknown> = {};
  if (section !== undefined) {
    if (section === null || typeof section !== "object" || Array.isArray(section)) problems.push("http: must be an object");
    else {
      s = section as Record<string, unknown>;
      for (const k of Object.keys(s)) if (!SECTION_KEYS.has(k)) problems.push(`http.${k}: unknown option (known: ${[...SECTION_KEYS].join(", ")})`);
    }
  }
  let ca: string[] = [];
  if (typeof s.ca === "string") ca = [s.ca];
  else if (s.ca !== undefined) ca = strings(s.ca, "http.ca");
  ca.forEach((pem, i) => {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) problems.push(`http.ca${Array.isArray(s.ca) ? `[${i}]` : ""}: must be PEM text (-----BEGIN CERTIFICATE-----…); read the file with open()`);
  });
  let timeoutMs = 60_000;
  if (s.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(s.timeout as string | number, "http.timeout");
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const tlsAuth: ClientCertificate[] = [];
  if (o.tlsAuth !== undefined) {
    if (!Array.isArray(o.tlsAuth)) problems.push("tlsAuth: must be a list of { domains, cert, key }");
    else {
      o.tlsAuth.forEach((t: unknown, i) => {
        const at = `tlsAuth[${i}]`;
        if (t === null || typeof t !== "object") return void problems.push(`${at}: must be an object { domains, cert, key }`);
        const e = t as Record<string, unknown>;
        if (typeof e.cert !== "string" || !e.cert.includes("-----BEGIN")) problems.push(`${at}.cert: must be PEM text; read the file with open()`);
        if (typeof e.key !== "string" || !e.key.includes("-----BEGIN")) problems.push(`${at}.key: must be PEM text; read the file with open()`);
        if (e.password !== undefined && typeof e.password !== "string") problems.push(`${at}.password: must be a string`);
        tlsAuth.push({ domains: strings(e.domains, `${at}.domains`).map((d) => d.toLowerCase()), cert: String(e.cert), key: String(e.key), password: e.password as string | undefined });
      });
    }
  }
  const blockHostnames = strings(o.blockHostnames, "blockHostnames");
  const blacklistIPs = strings(o.blacklistIPs, "blacklistIPs");
  const probe = new AddressRules();
  blockHostnames.forEach((h, i) => {
    try {
      probe.blockHostname(h, "");
    } catch (e) {
      problems.push(`blockHostnames[${i}]: ${(e as Error).message}`);
    }
  });
  blacklistIPs.forEach((r, i) => {
    try {
      probe.blockRange(r, "");
    } catch (e) {
      problems.push(`blacklistIPs[${i}]: ${(e as Error).message}`);
    }
  });
  if (o.userAgent !== undefined && typeof o.userAgent !== "string") problems.push(`userAgent: must be a string, got ${JSON.stringify(o.userAgent)}`);
  return {
    insecureSkipTLSVerify: bool(o.insecureSkipTLSVerify, "insecureSkipTLSVerify", false),
    tlsAuth,
    blockHostnames,
    blacklistIPs,
    maxRedirects: int(o.maxRedirects, "maxRedirects", 10, 0),
    userAgent: typeof o.userAgent === "string" ? o.userAgent : userAgent,
    discardResponseBodies: bool(o.discardResponseBodies, "discardResponseBodies", false),
    batch: int(o.batch, "batch", 20, 1),
    batchPerHost: int(o.batchPerHost, "batchPerHost", 6, 0),
    throw: bool(o.throw, "throw", false),
    ca,
    http2: bool(s.http2, "http.http2", true),
    connectionsPerHost: int(s.connectionsPerHost, "http.connectionsPerHost", 0, 0),
    timeoutMs,
  };
}
