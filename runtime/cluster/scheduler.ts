// kube-scheduler: binds Pods to the kwok-managed fake Nodes, for real.
import { LOOPBACK } from "./ports.ts";

export function schedulerArgs(o: { kubeconfig: string; port: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--authentication-kubeconfig=${o.kubeconfig}`,
    `--authorization-kubeconfig=${o.kubeconfig}`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${o.port}`,
    "--leader-elect=false",
  ];
}
