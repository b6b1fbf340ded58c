// The real case of the API-server rule: a run that talks to the local cluster with loadgen/k8s (its credentials on the
// host) cannot reach the same API server with loadgen/http, by address or by name, nor through a redirect.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runK8sScenario } from "../k8s/helpers.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { httpServer } from "./servers.ts";

test("loadgen/k8s reaches the cluster; loadgen/http is refused its API server (1110), directly and via a redirect", async () => {
  const { server } = await useLocalCluster();
  const redirector = await httpServer();
  try {
    const port = new URL(server).port;
    const run = await runK8sScenario(`
import * as k8s from "loadgen/k8s";
import http from "loadgen/http";
import { check } from "loadgen";
export default async function () {
  const ns = await k8s.get("namespaces", "default");
  check(ns, { "k8s works": (r) => r.status === 200 });
  for (const url of [__ENV.API + "/api/v1/namespaces/kube-system/secrets", "https://localhost:" + __ENV.PORT + "/version",
                     __ENV.REDIRECT + "/redirect?to=" + encodeURIComponent(__ENV.API + "/api")]) {
    const r = await http.get(url, { tags: { name: "probe" } });
    check(r, { ["refused " + url]: (x) => x.status === 0 && x.error_code === 1110 && /Kubernetes API server/.test(x.error) });
  }
}
`, { env: { API: server, PORT: port, REDIRECT: redirector.url } });
    assert.is(run.exitCode, 0, [run.error, ...run.logs].join("\n"));
    const checks = run.prepared!.engine.seriesOf(run.prepared!.metrics.get("checks")!).map(({ tags, sink }) => [tags.tags.check, sink.summaryValues(1000).fails]);
    assert.is(checks.length, 4);
    for (const [name, fails] of checks) assert.is(fails, 0, String(name));
    assert.is(redirector.seen.count("GET /redirect"), 1);
  } finally {
    await redirector.close();
  }
});

test.run();
