// One exact request of a time-series bucket as an HTTP request (Azure/kperf PR #223 request/builders.go
// CreateRequestBuilderFromExact): the URL kperf builds from group, version, namespace, resource and name, with the
// query of a GET (resourceVersion) or LIST (labelSelector, fieldSelector, resourceVersion, limit). Metrics and the
// kperf result key it by the same masked URL as weighted requests, so both modes report alike.
//
// Where kperf's builders do not send what the request says, loadgen sends the request as written, since a replay is
// only worth its fidelity: POST sends `body` (kperf posts its own pod template whatever the body), DELETE deletes
// `name` (kperf's builder has no object of its own to delete and posts one instead), PATCH patches `name` with
// `patchType` (kperf's PATCH builder wants a key space, which exact requests lack), and PUT is sent (kperf skips it).
// Objects sent by POST and PUT carry the run's labels, so `loadgen cleanup --run` finds them.
import { PATCH_TYPES, type K8sClient } from "../kube/client.ts";
import { addRunLabels } from "../kube/labels.ts";
import { infoOf, type Built } from "./built-request.ts";
import type { ExactRequest } from "./time-series.ts";

/** The loadgen/k8s verb of each method (the `verb` tag; LIST is a GET on the collection). */
const VERBS = { GET: "get", LIST: "list", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as const;
const HTTP = { GET: "GET", LIST: "GET", POST: "POST", PUT: "PUT", PATCH: "PATCH", DELETE: "DELETE" } as const;

export function buildExact(client: K8sClient, r: ExactRequest, labels: { runId: string; scenario: string }): Built {
  const namespace = r.namespace !== "" ? r.namespace : undefined;
  const named = r.method !== "LIST" && r.method !== "POST";
  const target = { info: infoOf(r.gvr, namespace !== undefined), namespace, name: named ? r.name : undefined, subresource: undefined };
  const q = new URLSearchParams();
  if (r.method === "LIST") {
    if (r.labelSelector) q.set("labelSelector", r.labelSelector);
    if (r.fieldSelector) q.set("fieldSelector", r.fieldSelector);
  }
  if (r.resourceVersion !== "") q.set("resourceVersion", r.resourceVersion);
  if (r.limit > 0) q.set("limit", String(r.limit));
  const c = client.compile(VERBS[r.method], HTTP[r.method], target, q.toString());
  switch (r.method) {
    case "POST":
    case "PUT": {
      const obj = JSON.parse(r.body) as { metadata?: { labels?: Record<string, string> } };
      addRunLabels(obj, labels.runId, labels.scenario);
      return { endpoint: c.endpoint, path: c.pathAndQuery, send: { body: JSON.stringify(obj), contentType: "application/json" } };
    }
    case "PATCH":
      return { endpoint: c.endpoint, path: c.pathAndQuery, send: { body: r.body, contentType: PATCH_TYPES[r.patchType]! } };
    default:
      return { endpoint: c.endpoint, path: c.pathAndQuery, send: {} };
  }
}
