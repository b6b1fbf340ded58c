// kperf groups latencies by "METHOD URL" with the object name of DELETE and PATCH requests replaced by `{name}`
// (Azure/kperf metrics/request.go, normalizeURL). loadgen uses that key as the `url` tag of every k8s metric, so it
// must stay low-cardinality in scenarios too: the name of every single-object request is masked (not only DELETE and
// PATCH), and so are `continue` tokens, which differ on every page. Namespaces stay, as in kperf.

/** The masked form of one request: `GET /api/v1/namespaces/ns/pods/{name}?resourceVersion=0`. */
export function maskUrl(method: string, path: string, query: string, hasName: boolean, subresource: string | undefined): string {
  let p = path;
  if (hasName) {
    // path ends with /<name> or /<name>/<subresource>
    const tail = subresource ? "/" + subresource : "";
    const end = p.length - tail.length;
    const cut = p.lastIndexOf("/", end - 1);
    p = p.slice(0, cut + 1) + "{name}" + tail;
  }
  if (query === "") return method + " " + p;
  return method + " " + p + "?" + maskQuery(query);
}

/** Query parameters whose values are unique per request and would explode the tag's cardinality. */
const VOLATILE = /(^|&)(continue|resourceVersion)=[^&]*/g;

function maskQuery(query: string): string {
  // resourceVersion=0 (a stale read) is part of the request's kind; any other resource version is a moving value.
  return query.replace(VOLATILE, (m, sep: string, key: string) => {
    if (key === "resourceVersion" && m.endsWith("resourceVersion=0")) return m;
    return `${sep}${key}={${key}}`;
  });
}
