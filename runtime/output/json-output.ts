/**
 * `--out json=FILE`: k6's JSON output, one JSON document per line. A metric's definition is written the first time
 * one of its samples is, then one line per sample:
 *   {"type":"Metric","data":{"name":"checks","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"checks"}
 *   {"metric":"checks","type":"Point","data":{"time":"2026-01-01T00:00:00.000Z","value":1,"tags":{"check":"ok"}}}
 * A path ending in `.gz` is gzip-compressed; `-` or an empty path writes to stdout. Writes go through a stream so
 * `add` never waits on the disk (backpressure is not applied: a disk slower than the sample rate grows memory).
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import type { TagSet } from "../metrics/tags.ts";
import type { SampleOutput, SampleRecord } from "./types.ts";

/** Options of the JSON output. */
export interface JsonOutputOptions {
  /** Threshold sources per metric name, written into the metric's definition line as k6 does. */
  thresholds?: Readonly<Record<string, readonly string[]>>;
  /** Where `-` writes (default process.stdout); for tests. */
  stdout?: Writable;
}

/** The JSON output, plus k6's optional `setThresholds` capability. */
export interface JsonOutput extends SampleOutput {
  setThresholds(thresholds: Readonly<Record<string, readonly string[]>>): void;
}

/** Creates the output for `path`; nothing is opened until `start()`. */
export function createJsonOutput(path: string, options: JsonOutputOptions = {}): JsonOutput {
  const toStdout = path === "" || path === "-";
  let thresholds = options.thresholds ?? {};
  let head: Writable | undefined;
  let tail: Writable | undefined;
  let failure: Error | undefined;
  const seenMetrics = new Set<string>();
  const tagJson = new Map<TagSet, string>();
  let lastTime = NaN;
  let lastIso = "";

  function fail(err: Error): void {
    failure ??= err;
  }

  return {
    describe(): string {
      return toStdout ? "json (stdout)" : `json (${path})`;
    },

    setThresholds(t: Readonly<Record<string, readonly string[]>>): void {
      thresholds = t;
    },

    async start(): Promise<void> {
      if (toStdout) {
        head = tail = options.stdout ?? process.stdout;
        return;
      }
      const file = createWriteStream(path);
      file.on("error", fail);
      // Surface a bad path (missing directory, no permission) at start, not at the end of the run.
      try {
        await once(file, "open");
      } catch (err) {
        throw wrap(err as Error, path);
      }
      tail = file;
      if (path.endsWith(".gz")) {
        const gzip = createGzip();
        gzip.on("error", fail);
        gzip.pipe(file);
        head = gzip;
      } else {
        head = file;
      }
    },

    add(samples: readonly SampleRecord[]): void {
      if (head === undefined || failure !== undefined || samples.length === 0) return;
      let chunk = "";
      for (const s of samples) {
        const name = s.metric.name;
        if (!seenMetrics.has(name)) {
          seenMetrics.add(name);
          const data = {
            name,
            type: s.metric.type,
            contains: s.metric.contains,
            thresholds: thresholds[name] ?? [],
            submetrics: null,
          };
          chunk += `{"type":"Metric","data":${JSON.stringify(data)},"metric":${JSON.stringify(name)}}\n`;
        }
        if (s.time !== lastTime) {
          lastTime = s.time;
          lastIso = new Date(s.time).toISOString();
        }
        let tags = tagJson.get(s.tags);
        if (tags === undefined) {
          tags = JSON.stringify(s.tags.tags);
          tagJson.set(s.tags, tags);
        }
        const value = Number.isFinite(s.value) ? String(s.value) : "null";
        chunk += `{"metric":${JSON.stringify(name)},"type":"Point","data":{"time":"${lastIso}","value":${value},"tags":${tags}}}\n`;
      }
      head.write(chunk);
    },

    async stop(): Promise<void> {
      const h = head;
      const t = tail;
      head = tail = undefined;
      if (h === undefined || t === undefined) return;
      if (!toStdout) {
        const finished = once(t, "close");
        h.end();
        await finished.catch(() => undefined);
      }
      if (failure !== undefined) throw wrap(failure, path);
    },
  };
}

function wrap(err: Error, path: string): Error {
  return new Error(`json output ${JSON.stringify(path)}: ${err.message}`, { cause: err });
}
