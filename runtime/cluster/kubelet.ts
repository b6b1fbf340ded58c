// The real node's kubelet: the release of the control plane, on loopback, its state in the cluster dir. It registers
// Node 127.0.0.1 tainted loadgen.io/real-node=true:NoSchedule (only pods that tolerate it land there; every other pod
// keeps going to kwok's fake nodes) and reports Ready from its own conditions (runtime, network, PLEG).
import { writeFile } from "node:fs/promises";
import yaml from "js-yaml";
import { probe } from "./http-probe.ts";
import type { NodePaths } from "./paths.ts";
import type { Pki } from "./pki.ts";
import { LOOPBACK } from "./ports.ts";

/** The node's name and address: kubelet's --hostname-override, and its serving certificate's SAN. */
export const NODE_NAME = LOOPBACK;

export const REAL_NODE_TAINT = { key: "loadgen.io/real-node", value: "true", effect: "NoSchedule" } as const;
/** The toleration a pod needs to run on the real node. */
export const REAL_NODE_TOLERATION = { key: REAL_NODE_TAINT.key, operator: "Exists", effect: REAL_NODE_TAINT.effect } as const;
export const REAL_NODE_LABEL = "loadgen.io/real-node=true";

export interface KubeletPorts {
  kubelet: number;
  healthz: number;
}

/** kubelet's --config file. */
export function renderKubeletConfig(o: { paths: NodePaths; pki: Pki; ports: KubeletPorts; cgroupRoot: string }): string {
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // cgroup v1 hosts (this kind of machine is hybrid v1): kubelet >= 1.35 refuses to start without it.
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    // A cgroup subtree per cluster: a kubelet removes pod cgroups it does not know under its kubepods, so two
    // clusters' nodes on one machine must not share one.
    cgroupRoot: o.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: [],
    containerRuntimeEndpoint: `unix://${o.paths.containerdSocket}`,
    imageServiceEndpoint: `unix://${o.paths.containerdSocket}`,
    address: LOOPBACK,
    port: o.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: LOOPBACK,
    healthzPort: o.ports.healthz,
    tlsCertFile: o.pki.kubeletServingCert,
    tlsPrivateKeyFile: o.pki.kubeletServingKey,
    // The apiserver (logs, exec) authenticates with its client certificate; everything else through the API's webhook.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true, cacheTTL: "30s" }, x509: { clientCAFile: o.pki.caCert } },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "30s", cacheUnauthorizedTTL: "5s" } },
    registerNode: true,
    registerWithTaints: [REAL_NODE_TAINT],
    podLogsDir: o.paths.podLogs,
    // Pods with the host's network get this resolv.conf: a nameserver on loopback that does not answer, so a lookup
    // fails at once instead of leaving the machine.
    resolvConf: o.paths.resolvConf,
    failSwapOn: false,
    // No CAP_SYS_RESOURCE on this kind of machine: kubelet's default -999 cannot be applied (nor containerd's).
    oomScoreAdj: 0,
    // kubelet sets vm.overcommit_memory, kernel.panic and a few more; host-state.ts restores them after the last node.
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
    // Images are imported, never pulled: none may be collected.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    maxPods: 110,
    nodeStatusUpdateFrequency: "10s",
    nodeStatusReportFrequency: "1m",
    syncFrequency: "10s",
    fileCheckFrequency: "20s",
    shutdownGracePeriod: "0s",
  };
  return yaml.dump(config, { lineWidth: -1 });
}

/** kubelet's kubeconfig: its client certificate for system:node:127.0.0.1. */
export function renderKubeletKubeconfig(o: { server: string; pki: Pki }): string {
  return yaml.dump({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: o.server, "certificate-authority": o.pki.caCert } }],
    users: [{ name: `system:node:${NODE_NAME}`, user: { "client-certificate": o.pki.kubeletClientCert, "client-key": o.pki.kubeletClientKey } }],
    contexts: [{ name: "local", context: { cluster: "local", user: `system:node:${NODE_NAME}` } }],
    "current-context": "local",
  });
}

export async function writeKubeletFiles(o: { paths: NodePaths; pki: Pki; ports: KubeletPorts; cgroupRoot: string; server: string }): Promise<void> {
  await writeFile(o.paths.kubeletConfig, renderKubeletConfig(o));
  await writeFile(o.paths.kubeletKubeconfig, renderKubeletKubeconfig(o), { mode: 0o600 });
  await writeFile(o.paths.resolvConf, `nameserver ${LOOPBACK}\n`);
}

export function kubeletArgs(paths: NodePaths): string[] {
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--cert-dir=${paths.kubeletCerts}`,
    // An IP as the hostname makes it the node's address too (--node-ip refuses a loopback address), so the apiserver
    // reaches the kubelet, and hostNetwork pods get their pod IP, on 127.0.0.1.
    `--hostname-override=${NODE_NAME}`,
    `--node-labels=${REAL_NODE_LABEL}`,
  ];
}

export async function kubeletHealthy(healthzPort: number): Promise<boolean> {
  const r = await probe(`http://${LOOPBACK}:${healthzPort}/healthz`, { timeoutMs: 2000 });
  return r.status === 200;
}

/**
 * True when Node 127.0.0.1 reports Ready=True (its own conditions); with `since` (ms), only as reported by a kubelet
 * started then: a Node object outlives its kubelet, and its last Ready would otherwise pass for the new one's.
 */
export async function nodeReady(api: { server: string; ca: Buffer; token: string }, since = 0): Promise<boolean> {
  const r = await probe(`${api.server}/api/v1/nodes/${NODE_NAME}`, { ca: api.ca, token: api.token, timeoutMs: 3000 });
  if (r.status !== 200) return false;
  const conditions = (JSON.parse(r.body).status?.conditions ?? []) as { type: string; status: string; lastHeartbeatTime?: string }[];
  // Heartbeat times have whole seconds.
  const fresh = (t?: string) => t !== undefined && Date.parse(t) >= Math.floor(since / 1000) * 1000;
  return conditions.some((c) => c.type === "Ready" && c.status === "True" && fresh(c.lastHeartbeatTime));
}

/** Deletes the Node object (the real node left a cluster that keeps running). */
export async function deleteNode(api: { server: string; ca: Buffer; token: string }): Promise<void> {
  const r = await probe(`${api.server}/api/v1/nodes/${NODE_NAME}`, { method: "DELETE", ca: api.ca, token: api.token });
  if (r.status >= 300 && r.status !== 404) throw new Error(`deleting Node ${NODE_NAME} failed: HTTP ${r.status} ${r.body}`);
}
