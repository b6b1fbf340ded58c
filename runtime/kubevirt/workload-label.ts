// The label that marks what a perfscale workload created, across runs: `loadgen run workload.yaml --delete` finds
// the objects and namespaces of an earlier run by it (the run label only names one run).
export const WORKLOAD_LABEL = "loadgen.io/workload";
