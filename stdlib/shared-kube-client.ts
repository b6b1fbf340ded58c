// The run's one Kubernetes client, shared through the RunContext so that loadgen/k8s and the modules built on it
// (loadgen/kubevirt, loadgen/kwok) use one connection pool, one rate limit and one discovery, and record into the
// run's metrics. It is created on first use: a run that never talks to a cluster never loads a kubeconfig or starts
// the local cluster. Where the cluster comes from is the run's to say (RunContext.clusterAccess): this module never
// starts one itself.
import type { RunContext } from "./host-module.ts";
import { scrapeRequestTotals, type RequestTotals } from "../runtime/kube/apiserver-metrics.ts";
import { KubeClient } from "../runtime/kube/client.ts";
import { clientError } from "../runtime/kube/errors.ts";
import { parseK8sOptions } from "../runtime/kube/k8s-options.ts";
import { MetricsRecorder, registerK8sMetrics } from "../runtime/kube/recorder.ts";

/** The shared handle. */
export class SharedKubeClient {
  readonly #run: RunContext;
  #client: KubeClient | undefined;
  #opening: Promise<KubeClient> | undefined;
  /** apiserver_request_total before the run's first request (undefined when /metrics cannot be read). */
  before: Promise<RequestTotals | undefined> | undefined;

  constructor(run: RunContext) {
    this.#run = run;
  }

  /** The client once it exists (the synchronous fast path). */
  get current(): KubeClient | undefined {
    return this.#client;
  }

  /**
   * The client, creating it on first call from `options.k8s` and the cluster flags.
   * @throws {K8sError} code InvalidOptions for bad `options.k8s`; ClusterAccessError when no cluster can be reached.
   */
  client(): KubeClient | Promise<KubeClient> {
    if (this.#client !== undefined) return this.#client;
    this.#opening ??= (async () => {
      const run = this.#run;
      let options;
      try {
        options = parseK8sOptions(run.options()?.k8s);
      } catch (e) {
        throw clientError("InvalidOptions", (e as Error).message);
      }
      const access = await run.clusterAccess();
      const recorder = new MetricsRecorder(registerK8sMetrics(run.metrics), run.engine);
      const client = new KubeClient(access, options, { runId: run.runId, recorder, tags: run.tags.empty });
      this.before = scrapeRequestTotals(client).catch(() => undefined);
      await this.before;
      this.#client = client;
      return client;
    })();
    this.#opening.catch(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }
}

/** The run's shared Kubernetes client handle. */
export function sharedKubeClient(run: RunContext): SharedKubeClient {
  return run.shared("k8s.client", () => new SharedKubeClient(run));
}
