// kube-apiserver on loopback with generated serving certs, a static admin
// token and client-certificate auth, RBAC, and the admission plugins and
// API Priority and Fairness it ships with. `apf: false` lifts APF and the
// in-flight limits, for runs that want to find the ceiling.
import type { Pki } from "./pki.ts";
import { LOOPBACK } from "./ports.ts";
import { probe } from "./http-probe.ts";

export function apiserverArgs(o: { pki: Pki; port: number; etcdClientPort: number; apf: boolean }): string[] {
  const args = [
    `--etcd-servers=http://${LOOPBACK}:${o.etcdClientPort}`,
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${o.port}`,
    `--tls-cert-file=${o.pki.servingCert}`,
    `--tls-private-key-file=${o.pki.servingKey}`,
    `--client-ca-file=${o.pki.caCert}`,
    `--token-auth-file=${o.pki.tokenFile}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${o.pki.saPub}`,
    `--service-account-signing-key-file=${o.pki.saKey}`,
    // Only allocated to Service objects; nothing routes to these addresses.
    "--service-cluster-ip-range=10.96.0.0/16",
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    "--allow-privileged=true",
    // No kubelet or kube-proxy consumes the `kubernetes` Service endpoints.
    "--endpoint-reconciler-type=none",
    // PodTemplates, which no load scenario uses, are served from etcd rather than the watch cache: a young watch
    // cache replays its whole history to a watch from any old resourceVersion, so only an uncached resource lets a
    // test compact etcd and see the 410 Gone a watch must recover from.
    "--watch-cache-sizes=podtemplates#0",
    // Logs, exec and port-forward go through the real node's kubelet, which is verified by the cluster CA and lets
    // the apiserver in by this certificate (always passed: a node added to a running cluster restarts nothing).
    `--kubelet-client-certificate=${o.pki.apiserverKubeletClientCert}`,
    `--kubelet-client-key=${o.pki.apiserverKubeletClientKey}`,
    `--kubelet-certificate-authority=${o.pki.caCert}`,
  ];
  if (!o.apf) {
    args.push("--enable-priority-and-fairness=false", "--max-requests-inflight=0", "--max-mutating-requests-inflight=0");
  }
  return args;
}

export async function apiserverReady(server: string, ca: Buffer, token: string): Promise<boolean> {
  const r = await probe(`${server}/readyz`, { ca, token, timeoutMs: 3000 });
  return r.status === 200;
}
