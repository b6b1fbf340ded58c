import { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { prepareRun } from "../execution/prepare-run.ts";
import { executeRun, type RunResult } from "../execution/execute-run.ts";
import { ExitCode } from "../exit-codes.ts";
import { createOutput } from "../output/registry.ts";
import { renderTextSummary } from "../output/summary/render-text.ts";
import type { Output } from "../output/types.ts";
import { InvalidOptionsError } from "../errors.ts";
import { ProgressDisplay } from "./progress.ts";
import { addExecutionFlags, collect } from "./run-flags.ts";
import { reportError } from "./report-error.ts";
import { kubevirtWorkloadScript, nameWorkloadFile, type WorkloadScript } from "../../stdlib/kubevirt/workload.ts";

interface RunFlags {
  vus?: number;
  duration?: string;
  iterations?: number;
  env: Record<string, string>;
  includeSystemEnvVars?: boolean;
  summaryExport?: string;
  out: string[];
  quiet?: boolean;
  thresholds: boolean;
  summary: boolean;
  color: boolean;
  kubeconfig?: string;
  context?: string;
  resultFormat?: string;
  result?: string;
  delete?: boolean;
}

/** `loadgen run SCRIPT`: runs a scenario and exits 0, or 99 when a threshold failed (see runtime/exit-codes.ts). */
export function runCommand(): Command {
  return addExecutionFlags(new Command("run").description("run a scenario").argument("<script>", "scenario file (.ts or .js)"))
    .option("--include-system-env-vars", "also pass this process's environment to __ENV (off by default: shared scenarios must not read your credentials)")
    .option("--summary-export <file>", "write the end-of-test summary as JSON")
    .option("-o, --out <output>", "stream every sample to an output, e.g. json=samples.ndjson (repeatable)", collect, [])
    .option("-q, --quiet", "no progress display")
    .option("--no-thresholds", "do not judge thresholds (never exit 99)")
    .option("--no-summary", "do not print the end-of-test summary")
    .option("--no-color", "no colour in the summary")
    .option("--kubeconfig <file>", "kubeconfig for loadgen/k8s (default: KUBECONFIG, ~/.kube/config, in-cluster, else the local cluster)")
    .option("--context <name>", "kubeconfig context to use")
    .option("--delete", "for a KubeVirt perfscale workload (FILE.yaml): delete the workload instead of running it")
    .option("--result-format <format>", "for a kperf load profile (FILE.yaml): kperf writes kperf's result JSON instead of the text summary")
    .option("--result <file>", "write the --result-format output to a file instead of stdout")
    .action(async (script: string, flags: RunFlags) => {
      process.exitCode = await runAction(script, flags);
      // Sockets or timers a scenario left behind must not keep the process (and CI) waiting.
      setImmediate(() => process.exit());
    });
}

async function runAction(script: string, flags: RunFlags): Promise<number> {
  const stderr = (line: string) => process.stderr.write(line + "\n");
  const interrupt = new AbortController();
  let signals = 0;
  let started = false;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      stderr(started ? "loadgen: stopping (teardown and summary follow; press Ctrl-C again to quit at once)" : "loadgen: stopping before the run starts");
      interrupt.abort();
    } else process.exit(ExitCode.externalAbort);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let outputs: Output[];
  try {
    outputs = flags.out.map((spec) => createOutput(spec));
  } catch (e) {
    return reportError(new InvalidOptionsError([(e as Error).message]));
  }
  // YAML inputs (kperf load profiles) run without VUs; see runtime/kperf/run-yaml.ts.
  let workload: WorkloadScript | undefined;
  if (/\.ya?ml$/i.test(script)) {
    // A KubeVirt perfscale workload becomes a generated scenario and runs like any other (stdlib/kubevirt/workload.ts).
    try {
      workload = kubevirtWorkloadScript(script, { delete: flags.delete });
    } catch (e) {
      return reportError(e);
    }
    if (workload === undefined) return runYamlAction(script, flags, interrupt.signal, stderr);
    script = workload.script;
  }
  const env = { ...(flags.includeSystemEnvVars ? (process.env as Record<string, string>) : {}), ...flags.env };
  const progress = process.stdout.isTTY && !flags.quiet ? new ProgressDisplay(process.stdout) : undefined;
  // Lines written while the progress block is on screen would be overwritten: clear it first.
  const log = (line: string) => {
    progress?.clear();
    stderr(line);
  };

  let result: RunResult;
  try {
    const prepared = await prepareRun({
      scriptPath: script,
      cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations },
      env,
      log,
      cluster: { kubeconfig: flags.kubeconfig, context: flags.context },
    });
    if (!flags.quiet) {
      const names = prepared.options.scenarios.map((s) => `${s.name} (${s.executor})`).join(", ");
      stderr(`loadgen: run ${prepared.runId}: ${workload?.displayName ?? (path.relative(process.cwd(), prepared.bundle.entryPath) || script)}, scenarios: ${names}`);
    }
    started = true;
    result = await executeRun(prepared, {
      noThresholds: !flags.thresholds,
      outputs,
      log,
      signal: interrupt.signal,
      onProgress: progress && ((p, ms) => progress.render(p, ms)),
    });
  } catch (e) {
    progress?.clear();
    return reportError(nameWorkloadFile(e, workload));
  }
  progress?.clear();
  writeResults(result, flags);
  if (result.abortReason) stderr(`loadgen: run stopped early: ${result.abortReason}`);
  if (result.exitCode === ExitCode.thresholdsFailed) {
    stderr(`loadgen: thresholds failed: ${result.thresholds.failedKeys.join(", ")}`);
  }
  return result.exitCode;
}

async function runYamlAction(file: string, flags: RunFlags, signal: AbortSignal, stderr: (line: string) => void): Promise<number> {
  const { runYamlFile } = await import("../kperf/run-yaml.ts");
  if (flags.resultFormat !== undefined && flags.resultFormat !== "kperf" && flags.resultFormat !== "text") {
    return reportError(new InvalidOptionsError([`--result-format: "kperf" or "text", got "${flags.resultFormat}"`]));
  }
  const runId = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 12) + "-" + Math.random().toString(16).slice(2, 8);
  try {
    if (!flags.quiet) stderr(`loadgen: run ${runId}: ${file}`);
    const r = await runYamlFile(file, { cluster: { kubeconfig: flags.kubeconfig, context: flags.context }, runId, log: stderr, signal });
    if (flags.summaryExport) writeFile(flags.summaryExport, JSON.stringify(r.summary, null, 2) + "\n");
    if (flags.resultFormat === "kperf") {
      const json = JSON.stringify(r.kperf, null, 2) + "\n";
      if (flags.result) writeFile(flags.result, json);
      else process.stdout.write(json);
      if (!flags.result) return r.exitCode;
    }
    if (flags.summary) process.stdout.write(renderTextSummary(r.summary, { color: flags.color && !!process.stdout.isTTY }) + "\n");
    return r.exitCode;
  } catch (e) {
    return reportError(e);
  }
}

/** The summary on stdout (or what handleSummary returned), --summary-export, and files handleSummary named. */
function writeResults(result: RunResult, flags: RunFlags): void {
  if (flags.summaryExport) writeFile(flags.summaryExport, JSON.stringify(result.summary, null, 2) + "\n");
  if (result.handleSummary) {
    for (const [target, content] of Object.entries(result.handleSummary)) {
      if (target === "stdout") process.stdout.write(content);
      else if (target === "stderr") process.stderr.write(content);
      else writeFile(target, content);
    }
    return;
  }
  if (!flags.summary) return;
  process.stdout.write(renderTextSummary(result.summary, { color: flags.color && !!process.stdout.isTTY }) + "\n");
  if (result.errors.length) {
    process.stdout.write("\n  iteration errors:\n");
    for (const e of result.errors.slice(0, 10)) {
      process.stdout.write(`    ${String(e.count).padStart(6)} × ${e.name}: ${e.message}${e.location ? ` (${e.location})` : ""}\n`);
    }
  }
}

function writeFile(file: string, content: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, content);
}
