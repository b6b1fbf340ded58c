import { Command } from "commander";
import { ArchiveError, readArchiveFile } from "../archive/read-archive.ts";
import { InvalidOptionsError } from "../errors.ts";
import { prepareRun } from "../execution/prepare-run.ts";
import { plannedVus } from "../execution/execute-run.ts";
import { executorFor } from "../executor/mod.ts";
import { archivedRequest, prebuiltScenario } from "../formats/loadgen-archive.ts";
import { addFlags } from "./flags.ts";
import { EXECUTION_FLAGS, type ExecutionFlags } from "./run-flags.ts";
import { reportError } from "./report-error.ts";

/**
 * `loadgen inspect SCRIPT`: the options after shortcuts, overrides and defaults, as JSON (nothing is run but the init
 * code). For an archive, the options it runs with and what it holds (`archive`: who made it, from what, its files).
 */
export function inspectCommand(): Command {
  return addFlags(new Command("inspect").description("print the scenario's resolved options as JSON").argument("<script>", "scenario file (.ts or .js), or a loadgen archive"), EXECUTION_FLAGS)
    .action(async (script: string, flags: ExecutionFlags) => {
      try {
        let archive;
        try {
          archive = readArchiveFile(script);
        } catch (e) {
          if (e instanceof ArchiveError) throw new InvalidOptionsError([e.message], script);
          throw e;
        }
        const about = archive && { loadgenVersion: archive.meta.loadgenVersion, input: archive.meta.input, content: archive.meta.content, env: archive.meta.env, files: archive.meta.files };
        if (archive?.meta.content === "document") {
          process.stdout.write(JSON.stringify({ archive: { ...about, cli: archive.meta.cli, kperf: archive.meta.kperf, thresholds: archive.meta.thresholds } }, null, 2) + "\n");
          process.exitCode = 0;
          return;
        }
        const cli = { vus: flags.vus, duration: flags.duration, iterations: flags.iterations };
        const log = (line: string) => process.stderr.write(line + "\n");
        const request = archive && archivedRequest(archive, { cli, env: flags.env, cluster: {}, runId: "inspect", log });
        const run = await prepareRun({
          scriptPath: archive?.meta.input.source ?? script,
          prebuilt: archive && prebuiltScenario(archive, script),
          cli: { ...cli, executionSegment: flags.executionSegment, executionSegmentSequence: flags.executionSegmentSequence },
          env: request?.env ?? flags.env,
          thresholds: request?.thresholds,
          log,
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
          ...(about ? { archive: { ...about, thresholds: archive!.meta.thresholds } } : {}),
        };
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
        process.exitCode = 0;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
