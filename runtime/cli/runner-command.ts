import { Command } from "commander";
import { LoadgenError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import { readArchiveFile } from "../archive/read-archive.ts";
import { prepareRun } from "../execution/prepare-run.ts";
import { prepareArchivedScenario } from "../formats/loadgen-archive.ts";
import { SCENARIO_ENV_VARIABLE } from "../group/local-workers.ts";
import { runRunner } from "../group/runner.ts";
import { stdioEndpoint } from "../group/stdio-endpoint.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { nonNegativeInt } from "./flag-parsers.ts";
import { addFlags, parsedFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";
import { EXECUTION_FLAGS } from "./run-flags.ts";

const RUNNER_FLAGS = {
  ...EXECUTION_FLAGS,
  includeSystemEnvVars: switchFlag("--include-system-env-vars", "also pass this process's environment to __ENV"),
  ...CLUSTER_FLAGS,
  runId: textFlag("--run-id <id>", "the group's run id (objects the scenario creates carry it)"),
  runnerIndex: parsedFlag("--runner-index <n>", "this runner's index in the group (0-based)", nonNegativeInt("--runner-index")),
};

/**
 * `loadgen runner SCRIPT --execution-segment A:B …`: one runner of a group, started by `loadgen run --workers` (and,
 * later, by `loadgen rg run` in a pod). It speaks the runner-group protocol (runtime/group/README.md): messages on
 * stdout, commands on stdin, logs on stderr. Not meant to be run by hand.
 */
export function runnerCommand(): Command {
  return addFlags(
    new Command("runner").description("one runner of a runner group (started by `loadgen run --workers`; speaks runtime/group/README.md's protocol on stdio)").argument("<script>", "the scenario"),
    RUNNER_FLAGS,
  ).action(async (script: string, flags: FlagValues<typeof RUNNER_FLAGS>) => {
    process.exitCode = await runnerAction(script, flags);
    // The command loop still reads stdin, and sockets a scenario left open would keep the process alive.
    setImmediate(() => process.exit());
  });
}

async function runnerAction(script: string, flags: FlagValues<typeof RUNNER_FLAGS>): Promise<number> {
  const log = (line: string) => void process.stderr.write(line + "\n");
  const index = flags.runnerIndex ?? 0;
  const endpoint = stdioEndpoint(process.stdin, process.stdout, log);
  // A coordinator's Ctrl-C reaches its workers too (same process group): the coordinator sends `abort` and keeps
  // reading, so a runner ignores the signal itself and ends when told, with its last snapshot.
  process.on("SIGINT", () => {});
  try {
    if (flags.executionSegment === undefined) throw new LoadgenError("loadgen runner: --execution-segment is required", ExitCode.invalidConfig);
    // The coordinator passes the scenario's __ENV in an environment variable, so its values stay off command lines.
    const passed = process.env[SCENARIO_ENV_VARIABLE];
    delete process.env[SCENARIO_ENV_VARIABLE];
    const fromCoordinator = passed === undefined ? {} : (JSON.parse(passed) as Record<string, string>);
    const env = { ...(flags.includeSystemEnvVars ? (process.env as Record<string, string>) : {}), ...fromCoordinator, ...flags.env };
    const options = {
      cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations, executionSegment: flags.executionSegment, executionSegmentSequence: flags.executionSegmentSequence },
      env,
      log,
      cluster: { kubeconfig: flags.kubeconfig, context: flags.context },
      runId: flags.runId,
      group: "runner" as const,
    };
    // A worker of `loadgen run FILE.tar --workers N` runs the archive as the coordinator does.
    const archive = readArchiveFile(script);
    const prepared = archive ? await prepareArchivedScenario(archive, script, options) : await prepareRun({ scriptPath: script, ...options });
    return await runRunner(prepared, endpoint, { index, log });
  } catch (e) {
    const exitCode = e instanceof LoadgenError ? e.exitCode : ExitCode.engineError;
    const reason = e instanceof LoadgenError ? e.message : `internal error: ${(e as Error)?.stack ?? String(e)}`;
    endpoint.send({ v: 1, type: "failed", runner: index, reason, exitCode });
    return exitCode;
  }
}
