// ConfigMap churn: each iteration creates a ConfigMap from a template, patches it, reads it back and deletes it, in
// a namespace the run creates. Every object carries the run's labels; options.k8s.cleanup removes whatever is left
// (the namespace included) when the run ends.
// Run: loadgen run -e RATE=50 scenarios/configmap-churn.ts
import * as k8s from "loadgen/k8s";
import { check, group } from "loadgen";
import exec from "loadgen/execution";

const TEMPLATE = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: churn-{{.Iteration}}
  labels:
    app: configmap-churn
data:
  payload: "{{.payload}}"
  iteration: "{{ .Iteration }}"
`;

export const options = {
  scenarios: {
    churn: { executor: "constant-arrival-rate", rate: Number(__ENV.RATE ?? 20), timeUnit: "1s", duration: __ENV.DURATION ?? "20s", preAllocatedVUs: 10, maxVUs: 50 },
  },
  k8s: { qps: 500, burst: 50, cleanup: true },
  thresholds: {
    "k8s_request_duration{verb:create}": ["p(95)<500"],
    "k8s_request_duration{verb:patch}": ["p(95)<500"],
    k8s_request_errors: ["count<5"],
    checks: ["rate>0.99"],
  },
};

export async function setup(): Promise<{ namespace: string }> {
  const ns = await k8s.create<k8s.KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { generateName: "configmap-churn-" } }, { decode: true });
  return { namespace: ns.metadata!.name! };
}

export default async function (data: { namespace: string }) {
  const namespace = data.namespace;
  const name = `churn-${exec.scenario.iterationInTest}`;
  await group("churn", async () => {
    const created = await k8s.create(TEMPLATE, { namespace, vars: { payload: "x".repeat(256) } });
    check(created, { "created": (r) => r.status === 201 });
    await k8s.patch("configmaps", name, { data: { patched: "true" } }, { namespace });
    const cm = await k8s.get<{ data?: Record<string, string> }>("configmaps", name, { namespace, decode: true });
    check(cm, { "patch is visible": (o) => o.data?.patched === "true" });
    await k8s.delete("configmaps", name, { namespace });
  });
}
