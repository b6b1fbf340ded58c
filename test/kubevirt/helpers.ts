// Helpers for the loadgen/kubevirt suite, on top of the loadgen/k8s suite's scenario runner (real local cluster).
import { KubeConfig, CustomObjectsApi } from "@kubernetes/client-node";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import type { K8sRun } from "../k8s/helpers.ts";

export { runK8sScenario, errorsOf, failedChecks, count } from "../k8s/helpers.ts";

/** Samples a trend received, over the series whose tags match `filter`. */
export function trendCount(run: K8sRun, name: string, filter: Record<string, string> = {}): number {
  const p = run.prepared!;
  const m = p.metrics.get(name);
  if (!m) return 0;
  let n = 0;
  for (const { tags, sink } of p.engine.seriesOf(m)) {
    if (Object.entries(filter).every(([k, v]) => tags.tags[k] === v)) n += (sink as unknown as { count: number }).count;
  }
  return n;
}

/** The kubevirt section of the summary. */
export function report(run: K8sRun): { data: any; tables: Array<{ title: string; columns: readonly string[]; rows: ReadonlyArray<ReadonlyArray<string | number>> }> } {
  const ext = run.result?.summary.extensions?.["loadgen/kubevirt"];
  if (!ext) throw new Error("no loadgen/kubevirt section in the summary");
  return ext as any;
}

/** VMIs left with a run's label, anywhere (a run must leave none). */
export async function vmisOfRun(runId: string): Promise<number> {
  const { kubeconfig } = await useLocalCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = (await api.listClusterCustomObject({ group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances", labelSelector: `loadgen.io/run=${runId}` })) as { items: unknown[] };
  return list.items.length;
}
