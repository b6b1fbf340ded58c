import { Command } from "commander";
import { InvalidOptionsError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import type { RunResult } from "../execution/execute-run.ts";
import type { Run } from "../execution/run.ts";
import { newRunId } from "../execution/run-id.ts";
import type { RunRequest } from "../formats/format.ts";
import { prepareInput } from "../formats/registry.ts";
import { createRunOutputs } from "../output/registry.ts";
import type { Output, OutputStreams } from "../output/types.ts";
import { addFlags } from "./flags.ts";
import { ProgressDisplay } from "./progress.ts";
import { reportError } from "./report-error.ts";
import { kperfRequest, RUN_FLAGS, type RunFlags } from "./run-flags.ts";

/**
 * `loadgen run FILE`: runs a scenario, a kperf profile or a KubeVirt workload (runtime/formats/) and exits 0, or 99
 * when a threshold failed (see runtime/exit-codes.ts).
 */
export function runCommand(): Command {
  return addFlags(
    new Command("run").description("run a scenario, a kperf load profile, a KubeVirt perfscale workload or a loadgen archive").argument("<file>", "scenario (.ts or .js), a YAML file of a format loadgen runs, or an archive (`loadgen archive`)"),
    RUN_FLAGS,
  ).action(async (file: string, flags: RunFlags) => {
    process.exitCode = await runAction(file, flags);
    // Sockets or timers a scenario left behind must not keep the process (and CI) waiting.
    setImmediate(() => process.exit());
  });
}

async function runAction(file: string, flags: RunFlags): Promise<number> {
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

  const progress = process.stdout.isTTY && !flags.quiet ? new ProgressDisplay(process.stdout) : undefined;
  // Lines written while the progress block is on screen would be overwritten: clear it first.
  const log = (line: string) => {
    progress?.clear();
    stderr(line);
  };
  const streams: OutputStreams = {
    stdout: (text) => {
      progress?.clear();
      process.stdout.write(text);
    },
    stderr: (text) => {
      progress?.clear();
      process.stderr.write(text);
    },
  };

  let outputs: Output[];
  try {
    if (flags.workers !== undefined && flags.out.length > 0) {
      // The workers send the coordinator merged metric snapshots, never their samples, so there are none to stream.
      throw new InvalidOptionsError([`--out: a run with --workers has no samples to stream (its workers send metric snapshots, not samples); use --summary-export or handleSummary, or run without --workers`]);
    }
    outputs = createRunOutputs({ ...flags, color: flags.color && !!process.stdout.isTTY }, streams);
  } catch (e) {
    return reportError(e);
  }
  const env = { ...(flags.includeSystemEnvVars ? (process.env as Record<string, string>) : {}), ...flags.env };
  let result: RunResult;
  try {
    const run: Run = await prepareInput(file, {
      cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations, executionSegment: flags.executionSegment, executionSegmentSequence: flags.executionSegmentSequence },
      env,
      cluster: { kubeconfig: flags.kubeconfig, context: flags.context },
      network: { blockHostnames: flags.blockHostnames, blacklistIPs: flags.blacklistIp },
      thresholds: Object.keys(flags.threshold).length ? flags.threshold : undefined,
      delete: flags.delete,
      kperf: kperfRequest(flags),
      runId: flags.runId ?? newRunId(),
      workers: flags.workers,
      log,
    });
    if (!flags.quiet) stderr(`loadgen: run ${run.runId}: ${run.title}`);
    started = true;
    result = await run.execute({
      noThresholds: !flags.thresholds,
      outputs,
      log,
      signal: interrupt.signal,
      onProgress: progress && ((p, ms) => progress.render(p, ms)),
    });
  } catch (e) {
    progress?.clear();
    return reportError(e);
  }
  progress?.clear();
  if (result.abortReason) stderr(`loadgen: run stopped early: ${result.abortReason}`);
  if (result.exitCode === ExitCode.thresholdsFailed) {
    stderr(`loadgen: thresholds failed: ${result.thresholds.failedKeys.join(", ")}`);
  }
  return result.exitCode;
}
