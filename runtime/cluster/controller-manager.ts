// kube-controller-manager: namespace deletion, garbage collection,
// Deployments → ReplicaSets → Pods, service-account tokens and the
// kube-root-ca.crt ConfigMaps all come from it, as in a real cluster.
import type { Pki } from "./pki.ts";
import { LOOPBACK } from "./ports.ts";
import { probe } from "./http-probe.ts";

export function controllerManagerArgs(o: { pki: Pki; kubeconfig: string; port: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--authentication-kubeconfig=${o.kubeconfig}`,
    `--authorization-kubeconfig=${o.kubeconfig}`,
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${o.port}`,
    "--leader-elect=false",
    `--service-account-private-key-file=${o.pki.saKey}`,
    `--root-ca-file=${o.pki.caCert}`,
    `--cluster-signing-cert-file=${o.pki.caCert}`,
    `--cluster-signing-key-file=${o.pki.caKey}`,
  ];
}

/** /healthz on the component's own self-signed port (always allowed without auth). */
export async function componentHealthy(port: number): Promise<boolean> {
  const r = await probe(`https://${LOOPBACK}:${port}/healthz`, { timeoutMs: 2000 });
  return r.status === 200;
}
