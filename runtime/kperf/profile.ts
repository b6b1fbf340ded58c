// kperf load profiles (Azure/kperf api/types/load_traffic.go), read and validated with kperf's rules and messages:
// `version: 1` with one `spec` (kperf's older form) or `specs[]`; each spec has rate, total or duration, conns, client,
// contentType, disableHTTP2, maxRetries and weighted requests of one kind each.
import yaml from "js-yaml";

export interface Gvr {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export type KperfRequest =
  | { kind: "staleList" | "quorumList"; shares: number; gvr: Gvr; namespace: string; limit: number; selector: string; fieldSelector: string }
  | { kind: "watchList"; shares: number; gvr: Gvr; namespace: string; selector: string; fieldSelector: string }
  | { kind: "staleGet" | "quorumGet"; shares: number; gvr: Gvr; namespace: string; name: string }
  | { kind: "put"; shares: number; gvr: Gvr; namespace: string; name: string; keySpaceSize: number; valueSize: number }
  | { kind: "patch"; shares: number; gvr: Gvr; namespace: string; name: string; keySpaceSize: number; valueSize: number; patchType: string; body: string }
  | { kind: "getPodLog"; shares: number; namespace: string; name: string; container: string; tailLines: number | undefined; limitBytes: number | undefined }
  | { kind: "postDel"; shares: number; gvr: Gvr; namespace: string; deleteRatio: number };

export interface KperfSpec {
  readonly rate: number;
  readonly total: number;
  /** Seconds; ignored (with a warning) when total is set, as in kperf. */
  readonly duration: number;
  readonly conns: number;
  readonly client: number;
  readonly contentType: "json" | "protobuf";
  readonly disableHTTP2: boolean;
  readonly maxRetries: number;
  readonly requests: readonly KperfRequest[];
}

export interface KperfProfile {
  readonly description: string;
  readonly specs: readonly KperfSpec[];
}

const KINDS = ["staleList", "quorumList", "watchList", "staleGet", "quorumGet", "put", "patch", "getPodLog", "postDel"] as const;

/** True for a parsed YAML document that is a kperf load profile (dispatch by content, not by file name). */
export function isKperfProfile(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object") return false;
  const d = doc as Record<string, unknown>;
  return d.version === 1 && (typeof d.spec === "object" || Array.isArray(d.specs));
}

/**
 * Reads a load profile.
 * @throws {Error} with kperf's validation message, prefixed by where (`specs[0]: idx: 1 request: name is required`).
 */
export function parseKperfProfile(doc: unknown): KperfProfile {
  if (!isKperfProfile(doc)) throw new Error("not a kperf load profile: expected version: 1 and spec or specs");
  const d = doc as { description?: unknown; spec?: unknown; specs?: unknown };
  const raw = Array.isArray(d.specs) ? d.specs : [d.spec];
  if (raw.length === 0) throw new Error("specs must be provided");
  return { description: typeof d.description === "string" ? d.description : "", specs: raw.map((s, i) => withContext(`specs[${i}]`, () => parseSpec(s))) };
}

export function loadKperfProfile(text: string): KperfProfile {
  return parseKperfProfile(yaml.load(text));
}

function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

function num(o: Record<string, unknown>, key: string, def = 0): number {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new Error(`${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function parseSpec(raw: unknown): KperfSpec {
  if (raw === null || typeof raw !== "object") throw new Error("spec must be a mapping");
  const s = raw as Record<string, unknown>;
  const spec = {
    rate: num(s, "rate"),
    total: num(s, "total"),
    duration: num(s, "duration"),
    conns: num(s, "conns"),
    client: num(s, "client"),
    contentType: (str(s, "contentType") || "json") as "json" | "protobuf",
    disableHTTP2: s.disableHTTP2 === true,
    maxRetries: num(s, "maxRetries"),
  };
  if (spec.conns <= 0) throw new Error(`conns requires > 0: ${spec.conns}`);
  if (spec.rate < 0) throw new Error(`rate requires >= 0: ${spec.rate}`);
  if (spec.total <= 0 && spec.duration <= 0) throw new Error(`total requires > 0: ${spec.total} or duration > 0s: ${spec.duration}`);
  if (spec.client <= 0) throw new Error(`client requires > 0: ${spec.client}`);
  if (spec.contentType !== "json" && spec.contentType !== "protobuf") throw new Error(`unsupported content type ${spec.contentType}`);
  const reqs = Array.isArray(s.requests) ? s.requests : [];
  if (reqs.length === 0) throw new Error("requests must list at least one request");
  const requests = reqs.map((r, idx) => withContext(`idx: ${idx} request`, () => parseRequest(r)));
  if (requests.every((r) => r.shares === 0)) throw new Error("requests: the shares add up to 0");
  return { ...spec, requests };
}

function gvr(o: Record<string, unknown>): Gvr {
  const g = { group: str(o, "group"), version: str(o, "version"), resource: str(o, "resource") };
  if (g.version === "") throw new Error("kube metadata: version is required");
  if (g.resource === "") throw new Error("kube metadata: resource is required");
  return g;
}

function parseRequest(raw: unknown): KperfRequest {
  if (raw === null || typeof raw !== "object") throw new Error("must be a mapping");
  const r = raw as Record<string, unknown>;
  const shares = num(r, "shares");
  if (shares < 0) throw new Error(`shares(${shares}) requires >= 0`);
  const kinds = KINDS.filter((k) => r[k] !== undefined && r[k] !== null);
  if (kinds.length === 0) throw new Error("empty request value");
  if (kinds.length > 1) throw new Error(`only one request kind per entry, got ${kinds.join(", ")}`);
  const kind = kinds[0]!;
  const o = r[kind] as Record<string, unknown>;
  if (typeof o !== "object") throw new Error(`${kind} must be a mapping`);
  const namespace = str(o, "namespace");
  switch (kind) {
    case "staleList":
    case "quorumList": {
      const limit = num(o, "limit");
      if (limit < 0) throw new Error("limit must >= 0");
      if (kind === "staleList" && limit !== 0) throw new Error("stale list doesn't support pagination option: https://github.com/kubernetes/kubernetes/issues/108003");
      // Early kperf releases spelled the field "seletor"; accept both.
      return { kind, shares, gvr: gvr(o), namespace, limit, selector: str(o, "selector") || str(o, "seletor"), fieldSelector: str(o, "fieldSelector") };
    }
    case "watchList":
      return { kind, shares, gvr: gvr(o), namespace, selector: str(o, "selector"), fieldSelector: str(o, "fieldSelector") };
    case "staleGet":
    case "quorumGet": {
      const name = str(o, "name");
      const g = gvr(o);
      if (name === "") throw new Error("name is required");
      return { kind, shares, gvr: g, namespace, name };
    }
    case "put": {
      const g = gvr(o);
      const name = str(o, "name");
      if (name === "") throw new Error("name pattern is required");
      const keySpaceSize = num(o, "keySpaceSize");
      const valueSize = num(o, "valueSize");
      if (keySpaceSize <= 0) throw new Error("keySpaceSize must > 0");
      if (valueSize <= 0) throw new Error("valueSize must > 0");
      return { kind, shares, gvr: g, namespace, name, keySpaceSize, valueSize };
    }
    case "patch": {
      const g = gvr(o);
      const name = str(o, "name");
      if (name === "") throw new Error("name is required");
      const valueSize = num(o, "valueSize");
      const body = str(o, "body");
      if ((g.resource === "configmaps" || g.resource === "secrets") && valueSize <= 0 && body === "") {
        throw new Error("valueSize must > 0 for configmaps and secrets, to generate data to be patched");
      }
      return { kind, shares, gvr: g, namespace, name, keySpaceSize: num(o, "keySpaceSize"), valueSize, patchType: str(o, "patchType") || "strategic-merge", body };
    }
    case "getPodLog": {
      const name = str(o, "name");
      if (namespace === "") throw new Error("namespace is required");
      if (name === "") throw new Error("name is required");
      const opt = (k: string) => (o[k] === undefined || o[k] === null ? undefined : num(o, k));
      return { kind, shares, namespace, name, container: str(o, "container"), tailLines: opt("tailLines"), limitBytes: opt("limitBytes") };
    }
    case "postDel": {
      const g = gvr(o);
      const deleteRatio = num(o, "deleteRatio");
      if (deleteRatio < 0 || deleteRatio > 0.5) throw new Error(`delete ratio must be between 0 and 0.5: ${deleteRatio}, create proportion should be greater than delete`);
      return { kind, shares, gvr: g, namespace, deleteRatio };
    }
  }
}
