import type { Metric, MetricType } from "../../runtime/metrics/metric.ts";
import type { HostModule, HostValue, RunContext, VuContext } from "../host-module.ts";
import { TagCache } from "../tag-cache.ts";

const TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "rate", "trend"]);

/** `loadgen/metrics`: custom Counter, Gauge, Rate and Trend metrics, registered by name in the run's registry. */
export const metricsModule: HostModule = {
  open(run: RunContext) {
    const byId: Metric[] = [];
    const tagCache = new TagCache();
    return {
      sync: {
        "metrics.register"(vu: VuContext, name: HostValue, type: HostValue, isTime: HostValue) {
          if (vu.phase !== "init") throw new Error(`new metric "${name}": custom metrics must be created in the init context`);
          if (!TYPES.has(String(type))) throw new Error(`unknown metric type ${type}`);
          const metric = run.metrics.register(String(name), type as MetricType, isTime ? "time" : "default");
          byId[metric.id] = metric;
          return metric.id;
        },
        "metrics.add"(vu: VuContext, id: HostValue, value: HostValue, tagsJson: HostValue) {
          const metric = byId[id as number];
          if (metric === undefined) throw new Error(`unknown metric id ${id}`);
          if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${metric.name}.add(): value must be a number`);
          vu.emit(metric, value, typeof tagsJson === "string" ? tagCache.apply(vu.tags, tagsJson) : undefined);
          return undefined;
        },
      },
    };
  },
};
