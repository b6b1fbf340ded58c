// KubeVirt objects on the local cluster: real apiserver storage and watch,
// with kwok Stages standing in for virt-controller and virt-handler.
import { CustomObjectsApi } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";

const VMI = { group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances" };
const VM = { group: "kubevirt.io", version: "v1", plural: "virtualmachines" };
const PHASES = ["Pending", "Scheduling", "Scheduled", "Running"];

interface Vmi {
  metadata: { name: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[]; labels?: Record<string, string> };
  status?: { phase?: string; phaseTransitionTimestamps?: { phase: string; phaseTransitionTimestamp: string }[] };
}

function vmiBody(name: string) {
  // The smallest VMI KubeVirt accepts: a domain with (empty) devices.
  return { apiVersion: "kubevirt.io/v1", kind: "VirtualMachineInstance", metadata: { name }, spec: { domain: { devices: {}, resources: { requests: { memory: "64Mi" } } } } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value, or fails with `what` after `timeoutMs`. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await sleep(500);
  }
}

test("100 VMIs created through the API all reach Running, with Pending, Scheduling, Scheduled and Running timestamps in order", async () => {
  const kc = await localKubeConfig();
  const api = kc.makeApiClient(CustomObjectsApi);
  const ns = await createTestNamespace(kc, "vmi-burst");
  try {
    const names = Array.from({ length: 100 }, (_, i) => `vmi-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((name) => api.createNamespacedCustomObject({ ...VMI, namespace: ns, body: vmiBody(name) })));
    }
    const items = await eventually("100 Running VMIs", async () => {
      const list = (await api.listNamespacedCustomObject({ ...VMI, namespace: ns })) as { items: Vmi[] };
      return list.items.length === 100 && list.items.every((v) => v.status?.phase === "Running") ? list.items : undefined;
    });
    assert.equal(items.map((v) => v.metadata.name).sort(), names);
    for (const vmi of items) {
      const ts = vmi.status!.phaseTransitionTimestamps ?? [];
      assert.equal(ts.map((t) => t.phase), PHASES, `${vmi.metadata.name} records the four phases in order`);
      const times = ts.map((t) => Date.parse(t.phaseTransitionTimestamp));
      assert.ok(times.every((t) => Number.isFinite(t)), `${vmi.metadata.name} timestamps parse`);
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `${vmi.metadata.name} timestamps do not go back in time`);
    }
  } finally {
    await deleteTestNamespace(kc, ns);
  }
});

test("deleting a VMI completes: the simulated virt-controller drops its finalizer and the object is gone", async () => {
  const kc = await localKubeConfig();
  const api = kc.makeApiClient(CustomObjectsApi);
  const ns = await createTestNamespace(kc, "vmi-delete");
  try {
    await api.createNamespacedCustomObject({ ...VMI, namespace: ns, body: vmiBody("doomed") });
    const running = await eventually("a Running VMI", async () => {
      const v = (await api.getNamespacedCustomObject({ ...VMI, namespace: ns, name: "doomed" })) as Vmi & { metadata: { finalizers?: string[] } };
      return v.status?.phase === "Running" ? v : undefined;
    });
    assert.ok(running.metadata.finalizers?.includes("kubevirt.io/virtualMachineControllerFinalize"), "carries KubeVirt's finalizer, as with virt-api");
    await api.deleteNamespacedCustomObject({ ...VMI, namespace: ns, name: "doomed" });
    await eventually("the VMI to disappear", async () => {
      try {
        await api.getNamespacedCustomObject({ ...VMI, namespace: ns, name: "doomed" });
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 404 ? true : undefined;
      }
    }, 30_000);
  } finally {
    await deleteTestNamespace(kc, ns);
  }
});

test("VMIs are served at kubevirt.io/v1alpha3 as well as v1", async () => {
  const kc = await localKubeConfig();
  const api = kc.makeApiClient(CustomObjectsApi);
  const ns = await createTestNamespace(kc, "vmi-v1alpha3");
  try {
    await api.createNamespacedCustomObject({ ...VMI, namespace: ns, body: vmiBody("old-api") });
    const old = (await api.getNamespacedCustomObject({ ...VMI, version: "v1alpha3", namespace: ns, name: "old-api" })) as { apiVersion: string };
    assert.is(old.apiVersion, "kubevirt.io/v1alpha3");
  } finally {
    await deleteTestNamespace(kc, ns);
  }
});

test("a VM with runStrategy Always, or running: true, gets a Running VMI of its name that it owns; a Halted VM gets none", async () => {
  const kc = await localKubeConfig();
  const api = kc.makeApiClient(CustomObjectsApi);
  const ns = await createTestNamespace(kc, "vm-start");
  const vm = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: { ...spec, template: { metadata: { labels: { "kubevirt.io/vm": name } }, spec: { domain: { devices: {} } } } },
  });
  try {
    await api.createNamespacedCustomObject({ ...VM, namespace: ns, body: vm("always", { runStrategy: "Always" }) });
    await api.createNamespacedCustomObject({ ...VM, namespace: ns, body: vm("legacy", { running: true }) });
    await api.createNamespacedCustomObject({ ...VM, namespace: ns, body: vm("halted", { runStrategy: "Halted" }) });
    for (const name of ["always", "legacy"]) {
      const owner = (await api.getNamespacedCustomObject({ ...VM, namespace: ns, name })) as Vmi;
      const vmi = await eventually(`the VMI of VM ${name} to run`, async () => {
        const v = (await api.getNamespacedCustomObject({ ...VMI, namespace: ns, name })) as Vmi;
        return v.status?.phase === "Running" ? v : undefined;
      });
      const ref = vmi.metadata.ownerReferences?.find((r) => r.controller);
      assert.equal([ref?.kind, ref?.name, ref?.uid], ["VirtualMachine", name, owner.metadata.uid], `VMI ${name} is controlled by its VM`);
      assert.is(vmi.metadata.labels?.["kubevirt.io/vm"], name, "labels come from the VM's template");
      const status = await eventually(`VM ${name} to report ready`, async () => {
        const v = (await api.getNamespacedCustomObject({ ...VM, namespace: ns, name })) as { status?: { created?: boolean; ready?: boolean; printableStatus?: string } };
        return v.status?.ready ? v.status : undefined;
      });
      assert.equal([status.created, status.printableStatus], [true, "Running"]);
    }
    const vmis = (await api.listNamespacedCustomObject({ ...VMI, namespace: ns })) as { items: Vmi[] };
    assert.equal(vmis.items.map((v) => v.metadata.name).sort(), ["always", "legacy"], "the Halted VM has no VMI");
  } finally {
    await deleteTestNamespace(kc, ns);
  }
});

test.run();
