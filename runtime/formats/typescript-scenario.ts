// A TypeScript (or JavaScript) scenario: bundled with its imports, its init code run in the init VU, its options
// resolved (prepareRun); then executed (executeRun). Any file not named .yaml/.yml is one, as it always was: the
// bundler says what is wrong with a file that is not a script. KubeVirt workloads become such a run too.
import path from "node:path";
import type { ErrorLog } from "../execution/error-log.ts";
import { executeRun } from "../execution/execute-run.ts";
import { displayPath } from "../bundle/display-path.ts";
import { prepareRun, type PrebuiltScenario, type PreparedRun } from "../execution/prepare-run.ts";
import { GroupExecution } from "../group/group-execution.ts";
import { launchLocalWorkers } from "../group/local-workers.ts";
import type { Run } from "../execution/run.ts";
import type { InputFormat, RunRequest } from "./format.ts";

/**
 * The run of the script at `script` (or of `input.prebuilt`, an archive's bundle); `input` is what the run shows as its
 * source (the workload file for a generated scenario; by default the script as given, relative to the working
 * directory).
 */
export async function prepareScenarioRun(
  script: string,
  request: RunRequest,
  input: {
    readonly format: string;
    readonly source?: string;
    readonly prebuilt?: PrebuiltScenario;
    readonly title?: string;
    /** What --workers' runner processes run (default: the bundle's entry script; an archive's file for an archive). */
    readonly workerScript?: string;
  },
): Promise<Run> {
  const prepared = await prepareRun({
    scriptPath: script,
    prebuilt: input.prebuilt,
    cli: request.cli,
    env: request.env,
    log: request.log,
    cluster: request.cluster,
    network: request.network,
    thresholds: request.thresholds,
    runId: request.runId,
    group: request.workers === undefined ? undefined : "coordinator",
  });
  const source = input.source ?? (path.relative(process.cwd(), prepared.bundle.entryPath) || script);
  const names = prepared.options.scenarios.map((s) => `${s.name} (${s.executor})`).join(", ");
  const workers = request.workers;
  // --workers: the same run, its scenarios executed by N local runner processes, one execution segment each.
  const execution = workers === undefined
    ? undefined
    : (run: PreparedRun, errors: ErrorLog) =>
        new GroupExecution(run, errors, {
          noun: "workers",
          log: request.log,
          launch: () => launchLocalWorkers({ script: input.workerScript ?? prepared.bundle.entryPath, count: workers, runId: prepared.runId, cli: request.cli, env: request.env, cluster: request.cluster }),
        });
  return {
    runId: prepared.runId,
    title: `${input.title ?? source}, scenarios: ${names}${workers === undefined ? "" : `, on ${workers} worker process${workers === 1 ? "" : "es"}`}`,
    execute: (o) => executeRun(prepared, { ...o, input: { format: input.format, source }, execution }),
  };
}

export const typescriptScenario: InputFormat<string> = {
  name: "typescript-scenario",
  runsScenarios: true,
  takesWorkers: true,
  description: "TypeScript/JavaScript scenario: a .ts or .js file",
  detect: (input) => !input.yaml,
  // The bundler reads and checks the script (and everything it imports) when the run is prepared.
  validate: (input) => input.path,
  prepare: (script, _input, request) => prepareScenarioRun(script, request, { format: "typescript-scenario" }),
  archiveAs: (script) => ({ script, source: displayPath(script) }),
};
