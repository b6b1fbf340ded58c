// One exact request of a time-series bucket as a client request (Azure/kperf PR #223 request/builders.go
// CreateRequestBuilderFromExact): the URL kperf builds from group, version, namespace, resource and name, with the
// query of a GET (resourceVersion) or LIST (labelSelector, fieldSelector, resourceVersion, limit). Metrics and the
// kperf result key it by the same masked URL as weighted requests, so both modes report alike.
//
// Where kperf's builders do not send what the request says, loadgen sends the request as written, since a replay is
// only worth its fidelity: POST sends `body` (kperf posts its own pod template whatever the body), DELETE deletes
// `name` (kperf's builder has no object of its own to delete and posts one instead), PATCH patches `name` with
// `patchType` (kperf's PATCH builder wants a key space, which exact requests lack), and PUT is sent (kperf skips it).
// Objects sent by POST and PUT carry the run's labels, so `loadgen cleanup --run` finds them.
import type { KubeClient } from "../kube/client.ts";
import { knownResource } from "../kube/discovery.ts";
import { addRunLabels } from "../kube/labels.ts";
import type { Built } from "./built-request.ts";
import type { ExactRequest } from "./time-series.ts";

export function buildExact(client: KubeClient, r: ExactRequest, labels: { runId: string; scenario: string }): Built {
  const namespace = r.namespace !== "" ? r.namespace : undefined;
  const info = knownResource(r.gvr, namespace !== undefined);
  const resourceVersion = r.resourceVersion !== "" ? r.resourceVersion : undefined;
  switch (r.method) {
    case "GET":
      return { request: client.prepareGet(info, r.name, { namespace, resourceVersion }) };
    case "LIST":
      return {
        request: client.prepareList(info, { namespace, labelSelector: r.labelSelector, fieldSelector: r.fieldSelector, resourceVersion, limit: r.limit > 0 ? r.limit : undefined }),
      };
    case "POST":
    case "PUT": {
      const obj = JSON.parse(r.body) as { metadata?: { labels?: Record<string, string> } };
      addRunLabels(obj, labels.runId, labels.scenario);
      const request = r.method === "POST" ? client.prepareWrite("create", info, { namespace }) : client.prepareWrite("update", info, { namespace, name: r.name });
      return { request, body: JSON.stringify(obj) };
    }
    case "PATCH":
      return { request: client.preparePatch(info, r.name, { namespace, type: r.patchType }), body: r.body };
    case "DELETE":
      return { request: client.prepareDelete(info, r.name, { namespace }) };
  }
}
