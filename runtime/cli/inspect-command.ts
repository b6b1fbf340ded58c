import { Command } from "commander";
import { prepareRun } from "../execution/prepare-run.ts";
import { plannedVus } from "../execution/execute-run.ts";
import { executorFor } from "../executor/mod.ts";
import { addFlags } from "./flags.ts";
import { EXECUTION_FLAGS, type ExecutionFlags } from "./run-flags.ts";
import { reportError } from "./report-error.ts";

/** `loadgen inspect SCRIPT`: the options after shortcuts, overrides and defaults, as JSON (nothing is run but the init code). */
export function inspectCommand(): Command {
  return addFlags(new Command("inspect").description("print the scenario's resolved options as JSON").argument("<script>", "scenario file (.ts or .js)"), EXECUTION_FLAGS)
    .action(async (script: string, flags: ExecutionFlags) => {
      try {
        const run = await prepareRun({
          scriptPath: script,
          cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations, executionSegment: flags.executionSegment, executionSegmentSequence: flags.executionSegmentSequence },
          env: flags.env,
          log: (line) => process.stderr.write(line + "\n"),
          connectCluster: false,
        });
        const o = run.options;
        const out = {
          scenarios: Object.fromEntries(o.scenarios.map((s) => [s.name, { ...s, maxDurationMs: executorFor(s).maxDurationMs(s) }])),
          thresholds: o.thresholds,
          tags: o.tags,
          setupTimeoutMs: o.setupTimeoutMs,
          teardownTimeoutMs: o.teardownTimeoutMs,
          limits: o.limits,
          plannedVus: plannedVus(o.scenarios, o.segment),
          options: o.raw,
        };
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
        process.exitCode = 0;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
