// A minimal Prometheus registry and text exposition (format 0.0.4) for the consumer service: counters, gauges and
// histograms with labels, plus the process collector every Prometheus client library ships (process_cpu_seconds_total,
// process_resident_memory_bytes, …, read from /proc/self on Linux as prometheus_client does). Hand-written on purpose:
// the example service has no dependencies, and the three metric types it needs are a few dozen lines.
import { readFileSync, readdirSync } from "node:fs";

/** Label values escaped as the text format wants them. */
function escapeLabel(v) {
  return String(v).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names, values, extra = "") {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function formatNumber(v) {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

class Metric {
  constructor(name, help, type, labelNames = []) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.labelNames = labelNames;
    /** Series by joined label values. */
    this.series = new Map();
  }

  key(labels) {
    return this.labelNames.map((n) => String(labels?.[n] ?? "")).join("\u0000");
  }

  header() {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
  }
}

export class Counter extends Metric {
  constructor(name, help, labelNames) {
    super(name, help, "counter", labelNames);
  }

  inc(labels, by = 1) {
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else this.series.set(k, { values: this.labelNames.map((n) => String(labels?.[n] ?? "")), value: by });
  }

  render() {
    let out = this.header();
    for (const s of this.series.values()) out += `${this.name}${labelText(this.labelNames, s.values)} ${formatNumber(s.value)}\n`;
    return out;
  }
}

/** A gauge whose value is read when scraped (collect) or set. */
export class Gauge extends Metric {
  constructor(name, help, labelNames, collect) {
    super(name, help, "gauge", labelNames);
    this.collect = collect;
  }

  set(labels, value) {
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s) s.value = value;
    else this.series.set(k, { values: this.labelNames.map((n) => String(labels?.[n] ?? "")), value });
  }

  inc(labels, by = 1) {
    const k = this.key(labels);
    this.set(labels, (this.series.get(k)?.value ?? 0) + by);
  }

  render() {
    if (this.collect) for (const [labels, value] of this.collect()) this.set(labels, value);
    let out = this.header();
    for (const s of this.series.values()) out += `${this.name}${labelText(this.labelNames, s.values)} ${formatNumber(s.value)}\n`;
    return out;
  }
}

export class Histogram extends Metric {
  constructor(name, help, labelNames, buckets) {
    super(name, help, "histogram", labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels, value) {
    const k = this.key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { values: this.labelNames.map((n) => String(labels?.[n] ?? "")), counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render() {
    let out = this.header();
    for (const s of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        out += `${this.name}_bucket${labelText(this.labelNames, s.values, `le="${formatNumber(this.buckets[i])}"`)} ${s.counts[i]}\n`;
      }
      out += `${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${s.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.values)} ${formatNumber(s.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}\n`;
    }
    return out;
  }
}

/** Where the metrics live; `render()` is the body of GET /metrics. */
export class Registry {
  constructor() {
    this.metrics = [];
  }

  add(metric) {
    this.metrics.push(metric);
    return metric;
  }

  render() {
    return this.metrics.map((m) => m.render()).join("");
  }
}

/** The content type of the text exposition format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

// ---- the process collector (prometheus_client's names and meaning) ----

const PAGE_SIZE = 4096;
/** USER_HZ: /proc/self/stat counts CPU time in clock ticks of 1/100 s on Linux. */
const TICKS = 100;

/** process_cpu_seconds_total, process_resident_memory_bytes, … as [name, help, type, value] rows. */
function processValues() {
  let cpu;
  let rss;
  let vsize;
  let start;
  try {
    // Fields after the command name in parentheses (which may contain spaces): utime is field 14, stime 15,
    // starttime 22, vsize 23, rss 24 (pages).
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    cpu = (Number(f[11]) + Number(f[12])) / TICKS;
    vsize = Number(f[20]);
    rss = Number(f[21]) * PAGE_SIZE;
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    start = boot + Number(f[19]) / TICKS;
  } catch {
    // Not Linux: Node's own view of the same figures.
    const u = process.cpuUsage();
    cpu = (u.user + u.system) / 1e6;
    rss = process.memoryUsage.rss();
    vsize = 0;
    start = Date.now() / 1000 - process.uptime();
  }
  const rows = [
    ["process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", cpu],
    ["process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", rss],
    ["process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", vsize],
    ["process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", start],
  ];
  try {
    rows.push(["process_open_fds", "Number of open file descriptors.", "gauge", readdirSync("/proc/self/fd").length]);
  } catch {
    // no /proc
  }
  return rows;
}

/** The process collector as a registry entry. */
export const processCollector = {
  render() {
    return processValues()
      .map(([name, help, type, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${formatNumber(value)}\n`)
      .join("");
  },
};

/** Resident memory in bytes, as process_resident_memory_bytes reports it. */
export function residentMemoryBytes() {
  return processValues().find((r) => r[0] === "process_resident_memory_bytes")[3];
}
