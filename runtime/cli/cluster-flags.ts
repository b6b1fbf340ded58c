import { textFlag } from "./flags.ts";

/**
 * `--kubeconfig` and `--context`, declared once for every command that talks to a cluster (run, cleanup, nodepool):
 * kubectl's order after them (KUBECONFIG, ~/.kube/config, in-cluster), else the local cluster.
 */
export const CLUSTER_FLAGS = {
  kubeconfig: textFlag("--kubeconfig <file>", "kubeconfig (default: KUBECONFIG, ~/.kube/config, in-cluster, else the local cluster)"),
  context: textFlag("--context <name>", "kubeconfig context to use"),
};
