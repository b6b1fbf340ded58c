// A KubeVirt perfscale-load-generator workload (name, object.templateFile, count or type; runtime/kubevirt/workload.ts):
// checked here, then run as the scenario it becomes (or, with --delete, the scenario that deletes it), with every
// message naming the workload file rather than the generated scenario.
import type { Run } from "../execution/run.ts";
import { isKubevirtWorkload, parseWorkload, workloadScript, type Workload } from "../kubevirt/workload.ts";
import { nameWorkloadFile, type WorkloadScript } from "../kubevirt/workload-script.ts";
import type { InputFormat, RunRequest } from "./format.ts";
import { prepareScenarioRun } from "./typescript-scenario.ts";

/** The run of a workload's generated scenario; errors, while preparing and while running, name the workload file. */
export async function prepareWorkloadRun(w: WorkloadScript, request: RunRequest, format: string): Promise<Run> {
  let run: Run;
  try {
    run = await prepareScenarioRun(w.script, request, { format, source: w.displayName });
  } catch (e) {
    throw nameWorkloadFile(e, w);
  }
  return {
    ...run,
    async execute(o) {
      try {
        return await run.execute(o);
      } catch (e) {
        throw nameWorkloadFile(e, w);
      }
    },
  };
}

/** A workload archives as its generated scenario (its templates are in the code), shown as the workload file. */
export function archivedWorkload(w: WorkloadScript): { script: string; source: string } {
  return { script: w.script, source: w.displayName };
}

export const kubevirtWorkload: InputFormat<Workload> = {
  name: "kubevirt-workload",
  runsScenarios: true,
  description: "KubeVirt perfscale workload: name, object.templateFile and count or type",
  detect: (input) => input.yaml && isKubevirtWorkload(input.document),
  validate: (input) => parseWorkload(input.document, input.path),
  prepare: (w, input, request) => prepareWorkloadRun(workloadScript(w, input.path, request.delete === true), request, "kubevirt-workload"),
  archiveAs: (w, input, request) => archivedWorkload(workloadScript(w, input.path, request.delete === true)),
};
