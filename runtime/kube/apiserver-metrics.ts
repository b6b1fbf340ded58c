// The API server's own view of a run: apiserver_request_total from its /metrics, read before the first request and
// after the last, as deltas by verb (the REST verbs: CREATE, LIST, GET, PATCH, UPDATE, DELETE, WATCH, ...). The counts
// include every client of the server (controllers too), which is the point: it is what the server saw.
import type { SummaryTableData } from "../output/summary/build-summary.ts";
import type { KubeClient } from "./client.ts";

/** Counts by verb and by "verb resource". */
export interface RequestTotals {
  readonly byVerb: Map<string, number>;
  readonly byVerbResource: Map<string, number>;
}

const LINE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.eE+-]+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text of /metrics. */
export function parseRequestTotals(text: string): RequestTotals {
  const byVerb = new Map<string, number>();
  const byVerbResource = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of m[1]!.matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const n = Number(m[2]);
    const verb = labels.verb ?? "";
    byVerb.set(verb, (byVerb.get(verb) ?? 0) + n);
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? "");
    const key = `${verb} ${labels.group ? resource + "." + labels.group : resource}`;
    byVerbResource.set(key, (byVerbResource.get(key) ?? 0) + n);
  }
  return { byVerb, byVerbResource };
}

/** Reads the totals now. @throws {K8sError} when /metrics cannot be read (e.g. 403 for a user without the nonResourceURL). */
export async function scrapeRequestTotals(c: KubeClient): Promise<RequestTotals> {
  const r = await c.transport.internal("GET", "/metrics", { accept: "text/plain" });
  return parseRequestTotals(r.body);
}

/** The summary section: requests the server counted during the run, by verb, and the busiest verb/resource pairs. */
/** The API server's section of a run's summary (`extensions["loadgen/k8s"]`). */
export interface ApiserverReport {
  readonly data: { readonly apiserver: { readonly metric: string; readonly byVerb: Record<string, number>; readonly byVerbResource: Record<string, number> } };
  readonly tables: readonly SummaryTableData[];
}

export function apiserverReport(before: RequestTotals, after: RequestTotals): ApiserverReport {
  const delta = (a: Map<string, number>, b: Map<string, number>) => {
    const out: Record<string, number> = {};
    for (const [k, v] of b) {
      const d = v - (a.get(k) ?? 0);
      if (d > 0) out[k] = d;
    }
    return out;
  };
  const byVerb = delta(before.byVerb, after.byVerb);
  const byVerbResource = delta(before.byVerbResource, after.byVerbResource);
  const rows = Object.entries(byVerb).sort((a, b) => b[1] - a[1]).map(([verb, n]) => [verb, n] as [string, number]);
  return {
    data: { apiserver: { metric: "apiserver_request_total", byVerb, byVerbResource } },
    tables: [{ title: "API server: apiserver_request_total during the run, by verb (all clients)", columns: ["verb", "requests"], rows }],
  };
}
