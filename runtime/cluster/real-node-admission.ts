// What the API server does for pods bound for the real node, through two admission policies (CEL, evaluated in the
// API server itself; both GA in 1.36) that the local cluster installs with the node:
//
// - The in-cluster address. The kubelet gives every container KUBERNETES_SERVICE_HOST/PORT from the `kubernetes`
//   Service: 10.96.0.1:443, a ClusterIP nothing routes here (no kube-proxy, and nothing may leave loopback). A
//   MutatingAdmissionPolicy sets both to the API server's own loopback address in every container of a pod that may
//   run on the real node (bound to it, or tolerating its taint), so the pod reaches the API server with its
//   service-account token and the cluster CA through the ordinary in-cluster config, as on any cluster.
// - Host networking. The node's one CNI network is loopback, which gives a pod no address: a pod with a network of
//   its own would wait in ContainerCreating for ever ("failed to find network info for sandbox"). A
//   ValidatingAdmissionPolicy refuses such a pod at creation, saying so, when it is bound to the node or tolerates
//   its taint by name.
//
// No other pod is touched (the conditions are checked per pod creation, in microseconds).
import { probe } from "./http-probe.ts";
import { NODE_NAME, REAL_NODE_TAINT } from "./kubelet.ts";
import { LOOPBACK } from "./ports.ts";

export const IN_CLUSTER_ADDRESS_POLICY = "loadgen-real-node-apiserver-address";
export const HOST_NETWORK_POLICY = "loadgen-real-node-host-network";

interface Api {
  server: string;
  ca: Buffer;
  token: string;
}

const API = "/apis/admissionregistration.k8s.io/v1";
const POD_CREATE = { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }] };

const BOUND_TO_THE_NODE = `(has(object.spec.nodeName) && object.spec.nodeName == "${NODE_NAME}")`;
const TOLERATES_BY_NAME = `(has(t.key) && t.key == "${REAL_NODE_TAINT.key}")`;
const TOLERATES_ALL = `(!has(t.key) && has(t.operator) && t.operator == "Exists")`;
const tolerations = (test: string) => `(has(object.spec.tolerations) && object.spec.tolerations.exists(t, ${test}))`;

function addressPolicy(apiserverPort: number) {
  const env = (list: string) =>
    `[Object.spec.${list}.env{name: "KUBERNETES_SERVICE_HOST", value: "${LOOPBACK}"}, ` +
    `Object.spec.${list}.env{name: "KUBERNETES_SERVICE_PORT", value: "${apiserverPort}"}]`;
  const containers = (list: string) => `object.spec.${list}.map(c, Object.spec.${list}{name: c.name, env: ${env(list)}})`;
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingAdmissionPolicy",
    metadata: { name: IN_CLUSTER_ADDRESS_POLICY },
    spec: {
      failurePolicy: "Fail",
      reinvocationPolicy: "Never",
      matchConstraints: POD_CREATE,
      matchConditions: [{ name: "may-run-on-the-real-node", expression: `${BOUND_TO_THE_NODE} || ${tolerations(`${TOLERATES_BY_NAME} || ${TOLERATES_ALL}`)}` }],
      mutations: [
        { patchType: "ApplyConfiguration", applyConfiguration: { expression: `Object{spec: Object.spec{containers: ${containers("containers")}}}` } },
        {
          patchType: "ApplyConfiguration",
          applyConfiguration: {
            expression: `has(object.spec.initContainers) ? Object{spec: Object.spec{initContainers: ${containers("initContainers")}}} : Object{}`,
          },
        },
      ],
    },
  };
}

const hostNetworkPolicy = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: HOST_NETWORK_POLICY },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: POD_CREATE,
    matchConditions: [{ name: "bound-for-the-real-node", expression: `${BOUND_TO_THE_NODE} || ${tolerations(TOLERATES_BY_NAME)}` }],
    validations: [{
      expression: "has(object.spec.hostNetwork) && object.spec.hostNetwork",
      reason: "Invalid",
      message: `pods on loadgen's real node (${NODE_NAME}) use the host's network: set spec.hostNetwork: true ` +
        "(the node's only pod network is loopback, which gives a pod no address)",
    }],
  },
};

async function apply(api: Api, path: string, body: unknown): Promise<void> {
  const r = await probe(`${api.server}${path}?fieldManager=loadgen&force=true`, {
    method: "PATCH", ca: api.ca, token: api.token, body: JSON.stringify(body), contentType: "application/apply-patch+yaml", timeoutMs: 15_000,
  });
  if (r.status >= 300) throw new Error(`applying ${path} failed: HTTP ${r.status} ${r.body}`);
}

/** A pod bound to the node, created with dryRun: what admission makes of it. */
function dryRunPod(api: Api, hostNetwork: boolean) {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "loadgen-admission-probe" },
    spec: { nodeName: NODE_NAME, hostNetwork, containers: [{ name: "probe", image: "loadgen.local/none:0" }] },
  };
  return probe(`${api.server}/api/v1/namespaces/default/pods?dryRun=All`, { method: "POST", ca: api.ca, token: api.token, body: JSON.stringify(pod), timeoutMs: 5000 });
}

/** Installs both policies and their bindings (see realNodeAdmissionInEffect). */
export async function installRealNodeAdmission(api: Api, apiserverPort: number): Promise<void> {
  await apply(api, `${API}/mutatingadmissionpolicies/${IN_CLUSTER_ADDRESS_POLICY}`, addressPolicy(apiserverPort));
  await apply(api, `${API}/mutatingadmissionpolicybindings/${IN_CLUSTER_ADDRESS_POLICY}`, {
    apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingAdmissionPolicyBinding",
    metadata: { name: IN_CLUSTER_ADDRESS_POLICY }, spec: { policyName: IN_CLUSTER_ADDRESS_POLICY },
  });
  await apply(api, `${API}/validatingadmissionpolicies/${HOST_NETWORK_POLICY}`, hostNetworkPolicy);
  await apply(api, `${API}/validatingadmissionpolicybindings/${HOST_NETWORK_POLICY}`, {
    apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: HOST_NETWORK_POLICY }, spec: { policyName: HOST_NETWORK_POLICY, validationActions: ["Deny"] },
  });
}

/**
 * Waits until the API server applies both policies (dry-run pods show it): it loads them through an informer, so a
 * pod created a moment after the bindings may not see them yet. Until KCM has made the default service account, the
 * dry runs are refused for that, and retried.
 */
export async function realNodeAdmissionInEffect(api: Api, apiserverPort: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [withHost, without] = await Promise.all([dryRunPod(api, true), dryRunPod(api, false)]);
    const mutated = withHost.status === 201 &&
      (JSON.parse(withHost.body).spec.containers[0].env ?? []).some((e: { value?: string }) => e.value === String(apiserverPort));
    const refused = without.status === 422 && without.body.includes(HOST_NETWORK_POLICY);
    if (mutated && refused) return;
    if (Date.now() > deadline) {
      throw new Error(`the real node's admission policies were not in effect after ${timeoutMs / 1000} s ` +
        `(dry-run pods: HTTP ${withHost.status} ${withHost.body.slice(0, 200)}; HTTP ${without.status} ${without.body.slice(0, 200)})`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Removes the policies (the real node is gone: no pod needs them). */
export async function removeRealNodeAdmission(api: Api): Promise<void> {
  const objects = [
    `mutatingadmissionpolicybindings/${IN_CLUSTER_ADDRESS_POLICY}`, `mutatingadmissionpolicies/${IN_CLUSTER_ADDRESS_POLICY}`,
    `validatingadmissionpolicybindings/${HOST_NETWORK_POLICY}`, `validatingadmissionpolicies/${HOST_NETWORK_POLICY}`,
  ];
  for (const path of objects) {
    const r = await probe(`${api.server}${API}/${path}`, { method: "DELETE", ca: api.ca, token: api.token });
    if (r.status >= 300 && r.status !== 404) throw new Error(`deleting ${path} failed: HTTP ${r.status} ${r.body}`);
  }
}
