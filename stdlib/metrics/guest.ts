// Guest shim of `loadgen/metrics`: custom metrics are registered on the host (by name, at construction)
// and every add() is one synchronous host call with the metric's id.
import type { MetricKind } from "../host-calls.ts";
import { host, jsonText } from "../guest-host.ts";

const register = /* @__PURE__ */ host.sync("metrics.register");
const addHost = /* @__PURE__ */ host.sync("metrics.add");

type Tags = Record<string, string>;

class Metric {
  readonly name: string;
  readonly #id: number;
  constructor(name: string, type: MetricKind, isTime: boolean) {
    this.name = String(name);
    this.#id = register(this.name, type, !!isTime);
  }
  protected record(value: number, tags?: Tags): void {
    addHost(this.#id, value, jsonText(tags));
  }
}

export class Counter extends Metric {
  constructor(name: string, isTime = false) {
    super(name, "counter", isTime);
  }
  add(value: number, tags?: Tags): void {
    this.record(Number(value), tags);
  }
}

export class Gauge extends Metric {
  constructor(name: string, isTime = false) {
    super(name, "gauge", isTime);
  }
  add(value: number, tags?: Tags): void {
    this.record(Number(value), tags);
  }
}

export class Rate extends Metric {
  constructor(name: string) {
    super(name, "rate", false);
  }
  add(value: unknown, tags?: Tags): void {
    this.record(value ? 1 : 0, tags);
  }
}

export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, "trend", isTime);
  }
  add(value: number, tags?: Tags): void {
    this.record(Number(value), tags);
  }
}
