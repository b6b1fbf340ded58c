// etcd: a single member on loopback, its data in the cluster dir. fsync
// stays on, as etcd ships, so write latency is that of a real etcd on this disk.
import { LOOPBACK } from "./ports.ts";
import { probe } from "./http-probe.ts";

export function etcdArgs(o: { dataDir: string; clientPort: number; peerPort: number }): string[] {
  const client = `http://${LOOPBACK}:${o.clientPort}`;
  const peer = `http://${LOOPBACK}:${o.peerPort}`;
  return [
    "--name=loadgen",
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=loadgen=${peer}`,
    "--initial-cluster-state=new",
    // The apiserver compacts etcd itself every 5 minutes; 8 GiB leaves room
    // for long soak runs (etcd's default quota is 2 GiB).
    "--quota-backend-bytes=8589934592",
  ];
}

export async function etcdHealthy(clientPort: number): Promise<boolean> {
  const r = await probe(`http://${LOOPBACK}:${clientPort}/health`, { timeoutMs: 2000 });
  return r.status === 200 && /"health":\s*"true"/.test(r.body);
}
