/** The flags of `loadgen run` (and the execution overrides `loadgen inspect` shares), as tables (flags.ts). */
import type { RunRequest } from "../formats/format.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { collect, commaList, countOrAuto, envPair, integer, nonNegativeInt, nonNegativeNumber, positiveInt, runIdFlag, thresholdPair } from "./flag-parsers.ts";
import { negatedFlag, parsedFlag, repeatableFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";

/** k6's execution overrides and `-e`: `run` and `inspect`. */
export const EXECUTION_FLAGS = {
  vus: parsedFlag("-u, --vus <n>", "VUs (replaces the script's execution options)", positiveInt("--vus")),
  duration: textFlag("-d, --duration <duration>", "test duration, e.g. 30s (replaces the script's execution options; for a kperf profile, kperf's --duration: seconds)"),
  iterations: parsedFlag("-i, --iterations <n>", "total iterations, shared by the VUs (replaces the script's execution options)", positiveInt("--iterations")),
  env: repeatableFlag<Readonly<Record<string, string>>>("-e, --env <KEY=VALUE>", "a variable for __ENV (repeatable)", envPair, {}),
  executionSegment: textFlag("--execution-segment <segment>", "run only this share of the test, k6's form: 1/4:2/4 (the second quarter), 0.25:0.5, 25%:50%, or 1/4 for 0:1/4"),
  executionSegmentSequence: textFlag("--execution-segment-sequence <points>", "every segment the test is split into, e.g. 0,1/4,2/4,3/4,1, so each instance's share is exact"),
};

const KPERF = "kperf load profiles and runner-group specs (FILE.yaml), as kperf runner run's flags:";

/** `kperf runner run`'s flags with kperf's names and meaning: they replace the (single) spec's values. */
export const KPERF_FLAGS = {
  rate: parsedFlag("--rate <qps>", "maximum requests per second (0: no limit)", nonNegativeNumber("--rate"), { group: KPERF }),
  total: parsedFlag("--total <n>", "total number of requests", nonNegativeInt("--total"), { group: KPERF }),
  conns: parsedFlag("--conns <n>", "total number of connections", positiveInt("--conns"), { group: KPERF }),
  client: parsedFlag("--client <n>", "total number of HTTP clients", positiveInt("--client"), { group: KPERF }),
  contentType: textFlag("--content-type <type>", "json or protobuf", { group: KPERF, choices: ["json", "protobuf"] }),
  disableHttp2: switchFlag("--disable-http2", "disable HTTP/2", { group: KPERF }),
  maxRetries: parsedFlag("--max-retries <n>", "retry a request after a 429 (<= 0: no retry)", integer("--max-retries"), { group: KPERF }),
  rawData: switchFlag("--raw-data", "add every latency by URL and every error to the kperf result", { group: KPERF }),
  resultFormat: textFlag("--result-format <format>", "kperf: kperf's result JSON instead of the text summary (text: the summary only)", { group: KPERF }),
  result: textFlag("--result <file>", "write the --result-format output to a file instead of stdout (the text summary is then printed too)", { group: KPERF }),
};

/** `--rate`, `--total`, … as the kperf formats read them; undefined values are flags not given. */
export function kperfRequest(flags: FlagValues<typeof KPERF_FLAGS>): RunRequest["kperf"] {
  const { rate, total, conns, client, disableHttp2, maxRetries, rawData } = flags;
  const contentType = flags.contentType as "json" | "protobuf" | undefined;
  return { overrides: { rate, total, conns, client, contentType, disableHTTP2: disableHttp2, maxRetries }, rawData };
}

/** Where the run's samples and end-of-test summary go (runtime/output/registry.ts). */
export const OUTPUT_FLAGS = {
  summaryExport: textFlag("--summary-export <file>", "write the end-of-test summary as JSON"),
  out: repeatableFlag<readonly string[]>("-o, --out <output>", "stream every sample to an output, e.g. json=samples.ndjson (repeatable)", collect, []),
  summary: negatedFlag("--no-summary", "do not print the end-of-test summary"),
  summaryLine: switchFlag("--summary-line", "also print the summary JSON as the last line of stdout, after `loadgen-summary-json ` (what `loadgen job` pods do; `loadgen job result` reads it)"),
  color: negatedFlag("--no-color", "no colour in the summary"),
};

export const RUN_FLAGS = {
  ...EXECUTION_FLAGS,
  includeSystemEnvVars: switchFlag("--include-system-env-vars", "also pass this process's environment to __ENV (off by default: shared scenarios must not read your credentials)"),
  ...OUTPUT_FLAGS,
  quiet: switchFlag("-q, --quiet", "no progress display"),
  workers: parsedFlag("--workers <n|auto>", "split the run over N local worker processes, one execution segment each (auto: one per core); thresholds and the summary are on their merged metrics", countOrAuto("--workers")),
  runId: parsedFlag("--run-id <id>", "the run's id, which every object it creates is labelled with (default: a new one; `loadgen job` gives its Job's)", runIdFlag),
  thresholds: negatedFlag("--no-thresholds", "do not judge thresholds (never exit 99)"),
  threshold: repeatableFlag<Readonly<Record<string, readonly string[]>>>("--threshold <METRIC=CONDITION>", "a threshold for any input format, added to the script's own, e.g. 'k8s_request_duration=p(95)<500' (repeatable)", thresholdPair, {}),
  ...CLUSTER_FLAGS,
  blockHostnames: repeatableFlag<readonly string[]>("--block-hostnames <names>", "hostnames loadgen/http refuses, comma-separated, `*.suffix` patterns allowed (k6's; added to the script's blockHostnames; repeatable)", commaList, []),
  blacklistIp: repeatableFlag<readonly string[]>("--blacklist-ip <ranges>", "address ranges loadgen/http refuses, comma-separated CIDRs (k6's; added to the script's blacklistIPs; repeatable)", commaList, []),
  delete: switchFlag("--delete", "for a KubeVirt perfscale workload (FILE.yaml): delete the workload instead of running it"),
  ...KPERF_FLAGS,
};

export type RunFlags = FlagValues<typeof RUN_FLAGS>;
export type ExecutionFlags = FlagValues<typeof EXECUTION_FLAGS>;
