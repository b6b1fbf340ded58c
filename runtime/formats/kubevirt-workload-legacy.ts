// The older perfscale-load-generator format (globalConfig + workloads[]; runtime/kubevirt/workload-legacy.ts): every
// workload and template checked here, then run as the scenario it becomes (workload-legacy-scenario.ts).
import { isLegacyWorkload, parseLegacyWorkload, type LegacyWorkloadFile } from "../kubevirt/workload-legacy.ts";
import { legacyWorkloadScript } from "../kubevirt/workload-legacy-scenario.ts";
import type { InputFormat } from "./format.ts";
import { archivedWorkload, prepareWorkloadRun } from "./kubevirt-workload.ts";

export const kubevirtWorkloadLegacy: InputFormat<LegacyWorkloadFile> = {
  name: "kubevirt-workload-legacy",
  runsScenarios: true,
  description: "KubeVirt perfscale workload, older format: globalConfig and workloads[]",
  detect: (input) => input.yaml && isLegacyWorkload(input.document),
  validate: (input) => parseLegacyWorkload(input.document, input.path),
  prepare: (f, input, request) => prepareWorkloadRun(legacyWorkloadScript(f, input.path, request.delete === true), request, "kubevirt-workload-legacy"),
  archiveAs: (f, input, request) => archivedWorkload(legacyWorkloadScript(f, input.path, request.delete === true)),
};
