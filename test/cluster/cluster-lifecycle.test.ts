// `loadgen cluster up` / status, against the shared local cluster: what a
// user checks after starting it.
import { execFileSync } from "node:child_process";
import { request } from "node:https";
import { ApiextensionsV1Api, KubeConfig, VersionApi } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterStatus, clusterUp } from "../../runtime/cluster/local-cluster.ts";
import { ensureBinaries } from "../../runtime/cluster/build.ts";
import { CONTAINERD_VERSION, ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from "../../runtime/cluster/components.ts";
import { localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";

/** GET a path with the kubeconfig's credentials; returns status, headers and body. */
async function rawGet(kc: KubeConfig, path: string) {
  const opts: import("node:https").RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(path, kc.getCurrentCluster()!.server);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(url, { ...opts, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("cluster up writes a kubeconfig that reaches /readyz over verified TLS", async () => {
  const kc = await localKubeConfig();
  const r = await rawGet(kc, "/readyz");
  assert.is(r.status, 200);
  assert.is(r.body.trim(), "ok");
  assert.ok(kc.getCurrentCluster()!.server.startsWith("https://127.0.0.1:"), "serves on loopback");
});

test("the apiserver reports the pinned Kubernetes release", async () => {
  const kc = await localKubeConfig();
  const v = await kc.makeApiClient(VersionApi).getCode();
  assert.is(v.gitVersion, KUBERNETES_VERSION);
});

test("each built binary's --version reports the pinned release", async () => {
  await useLocalCluster();
  const bins = await ensureBinaries();
  const version = (bin: string, args: string[] = ["--version"]) => execFileSync(bin, args, { encoding: "utf8" });
  assert.match(version(bins.kubeApiserver), `Kubernetes ${KUBERNETES_VERSION}`);
  assert.match(version(bins.kubeControllerManager), `Kubernetes ${KUBERNETES_VERSION}`);
  assert.match(version(bins.kubeScheduler), `Kubernetes ${KUBERNETES_VERSION}`);
  assert.match(version(bins.etcd), `etcd Version: ${ETCD_VERSION.replace(/^v/, "")}`);
  assert.match(version(bins.kwok), `kwok version ${KWOK_VERSION}`);
  // The real node's, when the cluster runs one.
  if (!bins.node) return;
  assert.match(version(bins.node.kubelet), `Kubernetes ${KUBERNETES_VERSION}`);
  assert.match(version(bins.node.containerd), `containerd github.com/containerd/containerd/v2 ${CONTAINERD_VERSION}`);
  assert.match(version(bins.node.ctr), `ctr github.com/containerd/containerd/v2 ${CONTAINERD_VERSION}`);
});

test("status lists every component running, with version, pid, port and log file", async () => {
  await useLocalCluster();
  const s = await clusterStatus();
  assert.is(s.state, "running");
  // The real node's two are there when the cluster runs one (the default where the machine can).
  const node = s.realNode ? ["containerd", "kubelet"] : [];
  assert.equal(
    s.components.map((c) => c.name),
    ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", ...node],
  );
  for (const c of s.components) {
    assert.is(c.state, "running", `${c.name} runs`);
    // containerd serves on a unix socket only.
    assert.ok(c.pid > 0 && (c.port > 0 || c.name === "containerd"), `${c.name} has a pid and a port`);
    assert.ok(c.logFile.endsWith(`${c.name}.log`), `${c.name} logs to a file named after it`);
  }
  const versions = Object.fromEntries(s.components.map((c) => [c.name, c.version]));
  assert.equal(versions, {
    etcd: ETCD_VERSION,
    "kube-apiserver": KUBERNETES_VERSION,
    "kube-controller-manager": KUBERNETES_VERSION,
    "kube-scheduler": KUBERNETES_VERSION,
    kwok: KWOK_VERSION,
    ...(s.realNode ? { containerd: CONTAINERD_VERSION, kubelet: KUBERNETES_VERSION } : {}),
  });
});

test("a second cluster up returns the running cluster without restarting anything", async () => {
  await useLocalCluster();
  const s = await clusterStatus();
  // The first call converges a cluster started by an older loadgen (new flags restart a component)...
  const first = await clusterUp({ apf: s.apf });
  // ...the second must be a no-op.
  const again = await clusterUp({ apf: s.apf });
  assert.ok(again.alreadyRunning);
  assert.equal(again.restarted, []);
  assert.equal(
    again.components.map((c) => c.pid),
    first.components.map((c) => c.pid),
  );
});

test("watch-list streams work: initial events end with the bookmark (etcd 3.6 supports progress notifications)", async () => {
  const kc = await localKubeConfig();
  const opts: import("node:https").RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(
    "/api/v1/namespaces/kube-system/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
    kc.getCurrentCluster()!.server,
  );
  const events = await new Promise<{ type: string; object: { metadata: { annotations?: Record<string, string> } } }[]>((resolve, reject) => {
    const seen: { type: string; object: { metadata: { annotations?: Record<string, string> } } }[] = [];
    const req = request(url, { ...opts, method: "GET" }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch-list answered HTTP ${res.statusCode}`));
      let buf = "";
      res.on("data", (chunk) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const event = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          seen.push(event);
          if (event.type === "BOOKMARK" && event.object.metadata.annotations?.["k8s.io/initial-events-end"] === "true") {
            req.destroy();
            resolve(seen);
          }
        }
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error("no initial-events-end bookmark within 15 s")));
    req.on("error", reject);
    req.end();
  });
  assert.ok(events.some((e) => e.type === "ADDED"), "initial state arrives as ADDED events");
  assert.is(events.at(-1)!.type, "BOOKMARK");
});

test("API Priority and Fairness is on, as kube-apiserver ships it", async () => {
  const kc = await localKubeConfig();
  const s = await clusterStatus();
  if (s.apf === false) {
    // Someone started the shared cluster with --no-apf; nothing to check.
    return;
  }
  const r = await rawGet(kc, "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations");
  assert.is(r.status, 200);
  const names = (JSON.parse(r.body).items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
  for (const level of ["exempt", "global-default", "workload-low"]) assert.ok(names.includes(level), `priority level ${level}`);
  // Requests are classified by APF: the apiserver says which flow schema took them.
  assert.ok(r.headers["x-kubernetes-pf-flowschema-uid"], "APF classified the request");
});

test("the KubeVirt CRDs carry KubeVirt's names, short names, scope, versions and subresources", async () => {
  const kc = await localKubeConfig();
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const want: Record<string, { shortNames: string[]; versions: string[]; storage: string; subresources: string[] }> = {
    "virtualmachineinstances.kubevirt.io": { shortNames: ["vmi", "vmis"], versions: ["v1", "v1alpha3"], storage: "v1", subresources: [] },
    "virtualmachines.kubevirt.io": { shortNames: ["vm", "vms"], versions: ["v1", "v1alpha3"], storage: "v1", subresources: ["status"] },
    "virtualmachineinstancereplicasets.kubevirt.io": {
      shortNames: ["vmirs", "vmirss"], versions: ["v1", "v1alpha3"], storage: "v1", subresources: ["scale", "status"],
    },
    "virtualmachinepools.pool.kubevirt.io": {
      shortNames: ["vmpool", "vmpools"], versions: ["v1alpha1", "v1beta1"], storage: "v1beta1", subresources: ["scale", "status"],
    },
  };
  for (const [name, w] of Object.entries(want)) {
    const crd = await api.readCustomResourceDefinition({ name });
    assert.is(crd.spec.scope, "Namespaced", `${name} scope`);
    assert.equal(crd.spec.names.shortNames, w.shortNames, `${name} short names`);
    assert.equal(crd.spec.names.categories, ["all"], `${name} categories`);
    assert.equal(crd.spec.versions.map((v) => v.name).sort(), w.versions, `${name} versions`);
    assert.ok(crd.spec.versions.every((v) => v.served), `${name} serves every version`);
    assert.is(crd.spec.versions.find((v) => v.storage)!.name, w.storage, `${name} storage version`);
    for (const v of crd.spec.versions) {
      assert.equal(Object.keys(v.subresources ?? {}).sort(), w.subresources, `${name} ${v.name} subresources`);
    }
    const established = crd.status?.conditions?.find((c) => c.type === "Established");
    assert.is(established?.status, "True", `${name} is Established`);
  }
});

test.run();
