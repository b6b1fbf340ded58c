// kperf load profiles (Azure/kperf api/types/load_traffic.go), read and validated with kperf's rules and messages:
// `version: 1` with one `spec` (kperf's older form) or `specs[]`. A spec has conns, client, contentType, disableHTTP2
// and maxRetries, and either
//   - weighted requests (kperf's only mode on main): rate, total or duration, and `requests[]` of one kind each, picked
//     at random by their shares. Written at the spec's top level (kperf main), or as `mode: weighted-random` with
//     them under `modeConfig` (the layout of kperf PR #223, which introduced modes); both are read.
//   - `mode: time-series` with `modeConfig.buckets[]` of exact requests (time-series.ts).
// Every problem names its field path (`specs[0].requests[1].staleGet.name: name is required`), and all of them are
// reported at once.
import yaml from "js-yaml";
import { Field } from "./fields.ts";
import { parseTimeSeriesConfig, type Bucket } from "./time-series.ts";

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
  | { kind: "postDel"; shares: number; gvr: Gvr; namespace: string; deleteRatio: number; payloadSize?: number };

/** What every spec has, whatever its mode: how requests are sent. */
interface SpecTransport {
  readonly conns: number;
  readonly client: number;
  readonly contentType: "json" | "protobuf";
  readonly disableHTTP2: boolean;
  readonly maxRetries: number;
}

/** Weighted random requests (kperf's `weighted-random` mode, the only one before modes existed). */
export interface WeightedSpec extends SpecTransport {
  readonly mode?: "weighted-random";
  readonly rate: number;
  readonly total: number;
  /** Seconds; ignored (with a warning) when total is set, as in kperf. */
  readonly duration: number;
  readonly requests: readonly KperfRequest[];
}

/** Exact requests replayed at their buckets' start times (kperf's `time-series` mode). */
export interface TimeSeriesSpec extends SpecTransport {
  readonly mode: "time-series";
  readonly buckets: readonly Bucket[];
}

export type KperfSpec = WeightedSpec | TimeSeriesSpec;

export interface KperfProfile {
  readonly description: string;
  readonly specs: readonly KperfSpec[];
  /** Defaults applied that the user should hear about (one log line each). */
  readonly notes: readonly string[];
}

/**
 * Values that replace the first spec's, with the meaning of `kperf runner run`'s flags of the same names: refused for a
 * profile of several specs, and rate/total/duration refused in time-series mode, as kperf does.
 */
export interface KperfOverrides {
  readonly rate?: number;
  readonly total?: number;
  readonly duration?: number;
  readonly conns?: number;
  readonly client?: number;
  readonly contentType?: "json" | "protobuf";
  readonly disableHTTP2?: boolean;
  readonly maxRetries?: number;
}

export interface ParseProfileOptions {
  readonly overrides?: KperfOverrides;
}

/** `kperf runner run --total`'s default, used when the first spec sets neither total nor duration. */
export const DEFAULT_TOTAL = 1000;

const KINDS = ["staleList", "quorumList", "watchList", "staleGet", "quorumGet", "put", "patch", "getPodLog", "postDel"] as const;
const MODES = ["weighted-random", "time-series"] as const;
const WEIGHTED_FIELDS = ["rate", "total", "duration", "requests"] as const;

/** True for a parsed YAML document that is a kperf load profile (dispatch by content, not by file name). */
export function isKperfProfile(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object") return false;
  const d = doc as Record<string, unknown>;
  return d.version === 1 && (typeof d.spec === "object" || Array.isArray(d.specs));
}

/**
 * Reads a load profile.
 * @throws {FieldProblems} listing every problem, each prefixed by its field path (`specs[0].conns: conns requires > 0: 0`).
 */
export function parseKperfProfile(doc: unknown, o: ParseProfileOptions = {}): KperfProfile {
  const root = Field.root(doc);
  const profile = readKperfProfile(root, o);
  root.throwIfProblems();
  return profile!;
}

export function loadKperfProfile(text: string, o: ParseProfileOptions = {}): KperfProfile {
  return parseKperfProfile(yaml.load(text), o);
}

/** Reads a load profile at `f` (the document, or a runner group's `loadProfile`); problems go to f's document. */
export function readKperfProfile(f: Field, o: ParseProfileOptions = {}): KperfProfile | undefined {
  if (!f.expectMapping()) return undefined;
  const version = f.at("version");
  if (version.value !== 1) version.problem(`version should be 1, got ${JSON.stringify(version.value) ?? "nothing"}`);
  const specsField = f.at("specs");
  const specField = f.at("spec");
  if (!specsField.missing && !specField.missing) specField.problem("set spec or specs, not both");
  let raw: Field[];
  if (!specsField.missing) raw = specsField.items();
  else if (!specField.missing) raw = [specField];
  else {
    specsField.problem("specs must be provided");
    return undefined;
  }
  if (raw.length === 0 && Array.isArray(specsField.value)) specsField.problem("specs must be provided");
  const overrides = o.overrides ?? {};
  const overridden = Object.entries(overrides).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (overridden.length > 0 && raw.length > 1) specsField.problem(`CLI flag overrides are not allowed when config has multiple specs (${overridden.join(", ")})`);
  const notes: string[] = [];
  const specs = raw.flatMap((s, i) => {
    const spec = readSpec(s, i === 0 && raw.length === 1 ? overrides : {}, i === 0, notes);
    return spec === undefined ? [] : [spec];
  });
  return { description: f.at("description").string(), specs, notes };
}

function readSpec(s: Field, overrides: KperfOverrides, first: boolean, notes: string[]): KperfSpec | undefined {
  if (!s.expectMapping()) return undefined;
  const before = s.problemCount;
  const contentTypeField = s.at("contentType");
  const transport: SpecTransport = {
    conns: overrides.conns ?? s.at("conns").int(),
    client: overrides.client ?? s.at("client").int(),
    contentType: (overrides.contentType ?? (contentTypeField.string() || "json")) as "json" | "protobuf",
    disableHTTP2: overrides.disableHTTP2 ?? s.at("disableHTTP2").bool(),
    maxRetries: overrides.maxRetries ?? s.at("maxRetries").int(),
  };
  if (transport.conns <= 0) s.at("conns").problem(`conns requires > 0: ${transport.conns}`);
  if (transport.client <= 0) s.at("client").problem(`client requires > 0: ${transport.client}`);
  if (transport.contentType !== "json" && transport.contentType !== "protobuf") contentTypeField.problem(`unsupported content type ${transport.contentType}`);

  const modeField = s.at("mode");
  const mode = modeField.string();
  const modeConfig = s.at("modeConfig");
  if (mode !== "" && !(MODES as readonly string[]).includes(mode)) {
    modeField.problem(`unsupported execution mode: ${mode} (${MODES.join(" or ")})`);
    return undefined;
  }
  if (mode === "" && !modeConfig.missing) {
    modeField.problem(`mode is required with modeConfig (${MODES.join(" or ")})`);
    return undefined;
  }
  if (mode !== "") {
    // With a mode, kperf reads only modeConfig: the same fields at the spec's top level would be silently dropped.
    for (const k of WEIGHTED_FIELDS) {
      if (!s.at(k).missing) s.at(k).problem(mode === "time-series" ? "not used in time-series mode (the buckets' startTimes set the pace and list every request)" : "with mode: weighted-random, rate, total, duration and requests go under modeConfig");
    }
    if (modeConfig.missing) {
      modeConfig.problem("modeConfig is required");
      return undefined;
    }
  }
  if (mode === "time-series") {
    const paced = (["rate", "total", "duration"] as const).filter((k) => overrides[k] !== undefined);
    if (paced.length > 0) modeField.problem(`time-series mode does not support CLI overrides (${paced.join(", ")})`);
    const buckets = parseTimeSeriesConfig(modeConfig);
    return s.problemCount > before ? undefined : { ...transport, mode: "time-series", buckets };
  }
  // Weighted: the fields are at the top level (kperf main) or under modeConfig (mode: weighted-random).
  const w = mode === "" ? s : modeConfig;
  if (mode !== "" && w.expectMapping()) w.onlyKeys(WEIGHTED_FIELDS);
  let total = overrides.total ?? w.at("total").int();
  const duration = overrides.duration ?? w.at("duration").int();
  const rate = overrides.rate ?? w.at("rate").number();
  if (rate < 0) w.at("rate").problem(`rate requires >= 0: ${rate}`);
  if (total <= 0 && duration <= 0) {
    // `kperf runner run` (what a runner pod executes) gives the first spec its --total default of 1000; several of
    // kperf's own profiles (contrib/internal/manifests/loadprofile/list_configmaps.yaml) rely on it.
    if (first && total === 0 && duration === 0) {
      total = DEFAULT_TOTAL;
      notes.push(`kperf: ${s.path} sets neither total nor duration: total ${DEFAULT_TOTAL}, the default of kperf runner run`);
    } else w.at("total").problem(`total requires > 0: ${total} or duration > 0s: ${duration}`);
  }
  const reqs = w.at("requests").items();
  if (reqs.length === 0 && w.isMapping()) w.at("requests").problem("requests must list at least one request");
  const requests = reqs.flatMap((r) => {
    const req = readRequest(r);
    return req === undefined ? [] : [req];
  });
  if (requests.length === reqs.length && requests.length > 0 && requests.every((r) => r.shares === 0)) w.at("requests").problem("the shares add up to 0");
  if (s.problemCount > before) return undefined;
  return { ...transport, ...(mode === "" ? {} : { mode: "weighted-random" as const }), rate, total, duration, requests };
}

function readGvr(o: Field): Gvr {
  const g = { group: o.at("group").string(), version: o.at("version").string(), resource: o.at("resource").string() };
  if (g.version === "") o.at("version").problem("version is required");
  if (g.resource === "") o.at("resource").problem("resource is required");
  return g;
}

function readRequest(r: Field): KperfRequest | undefined {
  if (!r.expectMapping()) return undefined;
  const before = r.problemCount;
  const sharesField = r.at("shares");
  const shares = sharesField.int();
  if (shares < 0) sharesField.problem(`shares(${shares}) requires >= 0`);
  const kinds = KINDS.filter((k) => !r.at(k).missing);
  if (kinds.length === 0) {
    r.problem(`empty request value: one of ${KINDS.join(", ")}`);
    return undefined;
  }
  if (kinds.length > 1) {
    r.problem(`only one request kind per entry, got ${kinds.join(", ")}`);
    return undefined;
  }
  const kind = kinds[0]!;
  const o = r.at(kind);
  if (!o.expectMapping()) return undefined;
  const namespace = o.at("namespace").string();
  const required = (key: string, message = `${key} is required`): string => {
    const v = o.at(key).string();
    if (v === "") o.at(key).problem(message);
    return v;
  };
  let req: KperfRequest;
  switch (kind) {
    case "staleList":
    case "quorumList": {
      const gvr = readGvr(o);
      const limit = o.at("limit").int();
      if (limit < 0) o.at("limit").problem("limit must >= 0");
      if (kind === "staleList" && limit !== 0) o.at("limit").problem("stale list doesn't support pagination option: https://github.com/kubernetes/kubernetes/issues/108003");
      // Early kperf releases spelled the field "seletor"; accept both.
      req = { kind, shares, gvr, namespace, limit, selector: o.at("selector").string() || o.at("seletor").string(), fieldSelector: o.at("fieldSelector").string() };
      break;
    }
    case "watchList":
      req = { kind, shares, gvr: readGvr(o), namespace, selector: o.at("selector").string(), fieldSelector: o.at("fieldSelector").string() };
      break;
    case "staleGet":
    case "quorumGet": {
      const gvr = readGvr(o);
      req = { kind, shares, gvr, namespace, name: required("name") };
      break;
    }
    case "put": {
      const gvr = readGvr(o);
      const name = required("name", "name pattern is required");
      const keySpaceSize = o.at("keySpaceSize").int();
      if (keySpaceSize <= 0) o.at("keySpaceSize").problem("keySpaceSize must > 0");
      // kperf renamed valueSize to payloadSize (PR #238); both mean the bytes of the generated value.
      const sizeKey = o.at("payloadSize").missing ? "valueSize" : "payloadSize";
      const valueSize = o.at(sizeKey).int();
      if (valueSize <= 0) o.at(sizeKey).problem(`${sizeKey} must > 0`);
      req = { kind, shares, gvr, namespace, name, keySpaceSize, valueSize };
      break;
    }
    case "patch": {
      const gvr = readGvr(o);
      const name = required("name");
      const valueSize = o.at("valueSize").int();
      const body = o.at("body").string();
      if ((gvr.resource === "configmaps" || gvr.resource === "secrets") && valueSize <= 0 && body === "") {
        o.at("valueSize").problem("valueSize must > 0 for configmaps and secrets, to generate data to be patched");
      }
      req = { kind, shares, gvr, namespace, name, keySpaceSize: o.at("keySpaceSize").int(), valueSize, patchType: o.at("patchType").string() || "strategic-merge", body };
      break;
    }
    case "getPodLog": {
      if (namespace === "") o.at("namespace").problem("namespace is required");
      const name = required("name");
      const opt = (k: string) => (o.at(k).missing ? undefined : o.at(k).int());
      req = { kind, shares, namespace, name, container: o.at("container").string(), tailLines: opt("tailLines"), limitBytes: opt("limitBytes") };
      break;
    }
    case "postDel": {
      const gvr = readGvr(o);
      const deleteRatio = o.at("deleteRatio").number();
      if (deleteRatio < 0 || deleteRatio > 0.5) o.at("deleteRatio").problem(`delete ratio must be between 0 and 0.5: ${deleteRatio}, create proportion should be greater than delete`);
      const payloadSize = o.at("payloadSize").int();
      if (payloadSize < 0) o.at("payloadSize").problem(`payloadSize must >= 0: ${payloadSize}`);
      req = { kind, shares, gvr, namespace, deleteRatio, ...(payloadSize > 0 ? { payloadSize } : {}) };
      break;
    }
  }
  return r.problemCount > before ? undefined : req;
}
