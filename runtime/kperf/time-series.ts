// kperf's time-series mode (Azure/kperf PR #223: api/types/timeseries_config.go, request/builders.go): a spec with
// `mode: time-series` replays `modeConfig.buckets[]`, each with a `startTime` in seconds from the start of the spec and
// the exact `requests[]` to send then (method, group, version, resource, namespace, name, body, patchType,
// labelSelector, fieldSelector, limit, resourceVersion). This file reads and checks them; replay.ts schedules them
// and exact-request.ts turns one into an HTTP request.
//
// kperf itself checks nothing here and silently skips a request it cannot build (an unknown method, a PATCH without a
// valid patchType). loadgen refuses such a file instead, naming the field, because a skipped request makes the replay
// quietly differ from the recording. For the same reason unknown fields and fields the method does not use are
// errors: a `selector:` (the weighted spelling) on a LIST would otherwise list everything.
import type { Field } from "./fields.ts";
import type { Gvr } from "./profile.ts";

export const EXACT_METHODS = ["GET", "LIST", "POST", "PUT", "PATCH", "DELETE"] as const;
export type ExactMethod = (typeof EXACT_METHODS)[number];

/** kperf's patch types (api/types/load_traffic.go GetPatchType). */
export const EXACT_PATCH_TYPES = ["json", "merge", "strategic-merge"] as const;

export interface ExactRequest {
  readonly method: ExactMethod;
  readonly gvr: Gvr;
  /** "" for a cluster-scoped resource (or all namespaces, for LIST). */
  readonly namespace: string;
  readonly name: string;
  /** PATCH: the patch, trimmed (kperf trims it). POST/PUT: the object as JSON. */
  readonly body: string;
  readonly patchType: string;
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly limit: number;
  /** "" for none (a quorum read), "0" for the watch cache, any other value as given. */
  readonly resourceVersion: string;
}

export interface Bucket {
  /** Seconds from the start of the spec. */
  readonly startTime: number;
  readonly requests: readonly ExactRequest[];
}

const COMMON = ["method", "group", "version", "resource", "namespace"] as const;
/** The fields each method uses, besides COMMON; `required` ones must be set. */
const USES: Record<ExactMethod, { fields: readonly string[]; required: readonly string[] }> = {
  GET: { fields: ["name", "resourceVersion"], required: ["name"] },
  LIST: { fields: ["labelSelector", "fieldSelector", "limit", "resourceVersion"], required: [] },
  POST: { fields: ["body"], required: ["body"] },
  PUT: { fields: ["name", "body"], required: ["name", "body"] },
  PATCH: { fields: ["name", "body", "patchType"], required: ["name", "body", "patchType"] },
  DELETE: { fields: ["name"], required: ["name"] },
};
const ALL_FIELDS = [...COMMON, "name", "body", "patchType", "labelSelector", "fieldSelector", "limit", "resourceVersion"];
const HINTS: Record<string, string> = {
  selector: "time-series requests spell it labelSelector",
  shares: "shares belong to weighted requests (mode: weighted-random)",
  verb: "the field is method",
  startTime: "startTime belongs to the bucket, not to its requests",
};

/** Kubernetes names and namespaces as they may appear in a path (the rule runtime/kube enforces when sending). */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/;
/** A group, version or resource: one path segment. */
const SEGMENT = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Reads `modeConfig` of a time-series spec (problems go to the field's document). */
export function parseTimeSeriesConfig(modeConfig: Field): Bucket[] {
  const before = modeConfig.problemCount;
  if (!modeConfig.expectMapping()) return [];
  modeConfig.onlyKeys(["buckets"], { interval: "kperf dropped interval: each bucket's startTime says when it runs" });
  const bucketsField = modeConfig.at("buckets");
  if (bucketsField.missing) {
    bucketsField.problem("buckets is required: the requests to replay, by startTime");
    return [];
  }
  const buckets: Bucket[] = [];
  let previous: { startTime: number; path: string } | undefined;
  for (const b of bucketsField.items()) {
    if (!b.expectMapping()) continue;
    b.onlyKeys(["startTime", "requests"]);
    const st = b.at("startTime");
    const startTime = st.number();
    if (st.missing) st.problem("startTime is required (seconds from the start of the spec)");
    else if (startTime < 0) st.problem(`startTime requires >= 0: ${startTime}`);
    // kperf replays the buckets in list order; one listed after a later one would run late, at once, so an unsorted
    // list is almost certainly a mistake in the file.
    else if (previous !== undefined && startTime < previous.startTime) {
      st.problem(`${startTime} is before ${previous.path} (${previous.startTime}): buckets replay in list order, so list them by startTime`);
    } else previous = { startTime, path: st.path };
    const requests = b.at("requests").items().flatMap((r) => {
      const req = parseExactRequest(r);
      return req === undefined ? [] : [req];
    });
    buckets.push({ startTime, requests });
  }
  if (modeConfig.problemCount > before) return buckets;
  if (buckets.length === 0) bucketsField.problem("buckets must list at least one bucket");
  else if (buckets.every((b) => b.requests.length === 0)) bucketsField.problem("no bucket lists any request");
  return buckets;
}

function parseExactRequest(r: Field): ExactRequest | undefined {
  const before = r.problemCount;
  if (!r.expectMapping()) return undefined;
  r.onlyKeys(ALL_FIELDS, HINTS);
  const m = r.at("method");
  const raw = m.string();
  let method: ExactMethod | undefined;
  if (m.missing) m.problem(`method is required: one of ${EXACT_METHODS.join(", ")}`);
  else if ((EXACT_METHODS as readonly string[]).includes(raw)) method = raw as ExactMethod;
  else if ((EXACT_METHODS as readonly string[]).includes(raw.toUpperCase())) m.problem(`unsupported method ${JSON.stringify(raw)}: kperf matches methods in upper case (${raw.toUpperCase()})`);
  else if (typeof m.value === "string") m.problem(`unsupported method ${JSON.stringify(raw)}: one of ${EXACT_METHODS.join(", ")}`);

  const segment = (key: "group" | "version" | "resource", required: boolean): string => {
    const f = r.at(key);
    const v = f.string();
    if (v === "" && required) f.problem(`${key} is required`);
    else if (v !== "" && !SEGMENT.test(v)) f.problem(`${JSON.stringify(v)} is not a ${key}${key === "resource" && v.includes("/") ? " (subresources are not supported)" : ""}`);
    return v;
  };
  const gvr = { group: segment("group", false), version: segment("version", true), resource: segment("resource", true) };
  const name = (key: "namespace" | "name"): string => {
    const f = r.at(key);
    const v = f.string();
    if (v !== "" && !NAME.test(v)) f.problem(`${JSON.stringify(v)} is not a valid ${key}`);
    return v;
  };
  const namespace = name("namespace");
  const objectName = name("name");
  const patchTypeField = r.at("patchType");
  const patchType = patchTypeField.string();
  const limitField = r.at("limit");
  const limit = limitField.int();
  if (limit < 0) limitField.problem("limit must >= 0");
  const labelSelector = r.at("labelSelector").string();
  const fieldSelector = r.at("fieldSelector").string();
  const resourceVersion = r.at("resourceVersion").scalarString();
  const bodyField = r.at("body");
  let body = bodyField.string();
  if (bodyField.value !== undefined && typeof bodyField.value !== "string") bodyField.problem("body is JSON text (a string), as kperf's body field is");

  if (method !== undefined) {
    const uses = USES[method];
    for (const key of ALL_FIELDS) {
      if (COMMON.includes(key as (typeof COMMON)[number]) || r.at(key).missing) continue;
      if (!uses.fields.includes(key)) {
        const users = EXACT_METHODS.filter((x) => USES[x].fields.includes(key));
        r.at(key).problem(`not used by ${method} (it is for ${users.join(", ")})`);
      }
    }
    for (const key of uses.required) {
      const f = r.at(key);
      if (f.missing || f.value === "") f.problem(`${key} is required for ${method}`);
    }
    if (method === "PATCH" && patchType !== "" && !(EXACT_PATCH_TYPES as readonly string[]).includes(patchType)) {
      patchTypeField.problem(`unknown patch type: ${patchType} (valid types: ${EXACT_PATCH_TYPES.join(", ")})`);
    }
    if (body !== "" && (method === "PATCH" || method === "POST" || method === "PUT")) {
      body = body.trim();
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        bodyField.problem(`invalid JSON in ${method === "PATCH" ? "patch " : ""}body: ${JSON.stringify(body.slice(0, 80))}`);
      }
      if (parsed !== undefined && method !== "PATCH" && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))) {
        bodyField.problem(`${method} sends an object: body must be a JSON object`);
      }
    }
  }
  if (method === undefined || r.problemCount > before) return undefined;
  return { method, gvr, namespace, name: objectName, body, patchType, labelSelector, fieldSelector, limit, resourceVersion };
}

/** How many requests the buckets list. */
export function requestCount(buckets: readonly Bucket[]): number {
  return buckets.reduce((n, b) => n + b.requests.length, 0);
}
