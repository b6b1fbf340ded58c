// The real node's lifecycle, in a throwaway cluster of its own beside the shared one (which is never taken down, and
// whose node must keep running through all of this): up starts it Ready and tainted, on loopback only; down leaves
// no process, mount, cgroup or container log link behind; --no-real-node leaves it out, and `up` adds it to a
// running cluster or takes it away again.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cgroupsUnder, processesInCgroups } from "../../runtime/cluster/cgroups.ts";
import { CONTAINERD_VERSION, KUBERNETES_VERSION } from "../../runtime/cluster/components.ts";
import { NODE_NAME } from "../../runtime/cluster/kubelet.ts";
import { clusterDown, clusterStatus, clusterUp } from "../../runtime/cluster/local-cluster.ts";
import { mountsUnder } from "../../runtime/cluster/mounts.ts";
import { nodeCgroupRoot } from "../../runtime/cluster/paths.ts";
import { PAUSE_IMAGE } from "../../runtime/image/pause-image.ts";
import { processesMentioning } from "../fixtures/processes.ts";
import { eventually, podRunning, realNodePod, useRealNode } from "../fixtures/real-node.ts";

const dir = mkdtempSync(join(tmpdir(), "loadgen-node-"));
const cgroupRoot = nodeCgroupRoot(dir);

function kubeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** Local addresses of the TCP sockets `pid` listens on ("127.0.0.1", "::1", "0.0.0.0"…). */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const addresses: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9]!)) continue; // 0A: LISTEN
      const hex = f[1]!.split(":")[0]!;
      if (hex.length === 8) addresses.push(hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join("."));
      else addresses.push(hex === "00000000000000000000000001000000" ? "::1" : hex.startsWith("0000000000000000FFFF0000") ? `::ffff:${hex.slice(24)}` : hex);
    }
  }
  return addresses;
}

function containerLogLinksInto(d: string): string[] {
  if (!existsSync("/var/log/containers")) return [];
  return readdirSync("/var/log/containers").filter((n) => {
    try {
      return readlinkSync(join("/var/log/containers", n)).startsWith(d);
    } catch {
      return false;
    }
  });
}

test.before(async () => {
  await useRealNode(); // binaries built, and the shared cluster's node runs: this cluster's node runs beside it
});

test.after(async () => {
  await clusterDown({ dir });
  rmSync(dir, { recursive: true, force: true });
});

test("cluster up starts a real node: containerd and the kubelet in status, Node Ready by its own conditions, tainted, on loopback only", async () => {
  const up = await clusterUp({ dir });
  assert.ok(up.realNode, `a real node: ${up.realNodeMissing}`);
  const s = await clusterStatus({ dir });
  assert.is(s.state, "running");
  assert.is(s.realNode?.ready, true);
  assert.is(s.realNode?.cgroupRoot, cgroupRoot);
  const versions = Object.fromEntries(s.components.map((c) => [c.name, c.version]));
  assert.is(versions.containerd, CONTAINERD_VERSION);
  assert.is(versions.kubelet, KUBERNETES_VERSION);

  const node = await kubeConfig(up.kubeconfig).makeApiClient(CoreV1Api).readNode({ name: NODE_NAME });
  assert.equal(node.spec?.taints?.map((t) => `${t.key}=${t.value}:${t.effect}`), ["loadgen.io/real-node=true:NoSchedule"]);
  assert.is(node.metadata?.labels?.["loadgen.io/real-node"], "true");
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  assert.is(ready?.status, "True");
  assert.is(ready?.reason, "KubeletReady", "Ready as the kubelet reports it, not a kwok stage");
  assert.not.ok(node.metadata?.annotations?.["kwok.x-k8s.io/node"], "kwok does not manage it");
  assert.equal(node.status?.addresses?.map((a) => a.address), [NODE_NAME, NODE_NAME]);
  assert.is(node.status?.nodeInfo?.kubeletVersion, KUBERNETES_VERSION);
  assert.is(node.status?.nodeInfo?.containerRuntimeVersion, `containerd://${CONTAINERD_VERSION.replace(/^v/, "")}`);

  for (const c of s.components.filter((c) => c.name === "containerd" || c.name === "kubelet")) {
    const outside = listeningAddresses(c.pid).filter((a) => !a.startsWith("127.") && a !== "::1" && !a.startsWith("::ffff:7F"));
    assert.equal(outside, [], `${c.name} listens on loopback only`);
  }
});

test("a pod runs on the node (host network, volumes), and one without hostNetwork is refused, saying why", async () => {
  const kc = kubeConfig(join(dir, "kubeconfig"));
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: realNodePod("sandbox", [{ name: "pause", image: PAUSE_IMAGE, volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }],
      { volumes: [{ name: "scratch", emptyDir: { medium: "Memory" } }] }),
  });
  const pod = await podRunning(kc, "default", "sandbox");
  assert.is(pod.spec?.nodeName, NODE_NAME);
  assert.is(pod.status?.podIP, NODE_NAME, "the host's network: the node's address");

  const refused = await core.createNamespacedPod({ namespace: "default", body: realNodePod("own-network", [{ name: "pause", image: PAUSE_IMAGE }], { hostNetwork: false }) })
    .then(() => undefined, (e: { code?: number; body?: string }) => e);
  assert.ok(refused, "refused");
  assert.is(refused!.code, 422);
  assert.match(String(refused!.body), "set spec.hostNetwork: true");
});

test("cluster down leaves nothing of the node: no process, mount, cgroup or log link; the shared cluster's node keeps running", async () => {
  // What the running pod made, so that the checks below check something.
  assert.ok(mountsUnder(dir).length > 0, "mounts under the cluster dir while the pod runs");
  assert.ok(cgroupsUnder(cgroupRoot).some((d) => d.includes("/kubepods")), "kubepods cgroups while the pod runs");
  assert.ok(processesInCgroups(cgroupRoot).length > 0, "container processes while the pod runs");
  assert.ok(containerLogLinksInto(dir).length > 0, "container log links while the pod runs");

  await clusterDown({ dir });
  assert.equal(processesMentioning(dir), [], "no process of the cluster (containerd's shims included)");
  assert.equal(mountsUnder(dir), [], "no mount under the cluster dir");
  assert.equal(cgroupsUnder(cgroupRoot), [], "no cgroup of the node, in any hierarchy");
  assert.equal(containerLogLinksInto(dir), [], "no container log link into the cluster dir");
  assert.not.ok(existsSync(dir), "the cluster dir is gone");

  const shared = await clusterStatus();
  assert.is(shared.state, "running");
  assert.is(shared.realNode?.ready, true, "the shared cluster's node is still Ready");
});

test("--no-real-node leaves the node out; up without it adds one to the running cluster, up --no-real-node takes it away", async () => {
  const without = await clusterUp({ dir, realNode: false });
  assert.is(without.realNode, undefined);
  assert.equal(without.components.map((c) => c.name), ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]);
  assert.is((await clusterStatus({ dir })).state, "running");
  const core = kubeConfig(without.kubeconfig).makeApiClient(CoreV1Api);

  const added = await clusterUp({ dir });
  assert.ok(added.realNode);
  assert.equal(added.restarted, ["containerd", "kubelet"]);
  assert.equal(
    added.components.filter((c) => c.name !== "containerd" && c.name !== "kubelet").map((c) => c.pid),
    without.components.map((c) => c.pid),
    "the control plane kept running",
  );
  await eventually("the added node to be Ready", async () => ((await clusterStatus({ dir })).realNode?.ready ? true : undefined), 30_000);

  const removed = await clusterUp({ dir, realNode: false });
  assert.is(removed.realNode, undefined);
  assert.equal(cgroupsUnder(cgroupRoot), []);
  assert.equal(mountsUnder(join(dir, "node")), []);
  const gone = await core.readNode({ name: NODE_NAME }).then(() => false, (e: { code?: number }) => e.code === 404);
  assert.ok(gone, "the Node object is deleted with its node");

  process.env.LOADGEN_REAL_NODE = "0";
  try {
    const again = await clusterUp({ dir });
    assert.equal(again.restarted, [], "LOADGEN_REAL_NODE=0 as --no-real-node: nothing to change");
    assert.is(again.realNode, undefined);
  } finally {
    delete process.env.LOADGEN_REAL_NODE;
  }
});

test("a machine without what the node needs (here: no runc) starts the cluster without it and says why", async () => {
  await clusterDown({ dir });
  process.env.LOADGEN_RUNC = join(dir, "no-such-runc");
  const lines: string[] = [];
  try {
    const up = await clusterUp({ dir, log: (l) => lines.push(l) });
    assert.is(up.realNode, undefined);
    assert.match(up.realNodeMissing ?? "", "runc not found");
    assert.ok(lines.some((l) => l.startsWith("note: starting without the real node: runc not found")), lines.join("\n"));
    const s = await clusterStatus({ dir });
    assert.is(s.state, "running", "the cluster itself is whole");
    assert.match(s.realNodeMissing ?? "", "apt-get install -y --no-install-recommends runc");
  } finally {
    delete process.env.LOADGEN_RUNC;
  }
});

test.run();
