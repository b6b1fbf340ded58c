// kperf's example load profile as a scenario: LISTs of pods served from the API server's cache (stale,
// resourceVersion=0) against LISTs read from etcd (quorum, paginated), at a fixed 100 requests/s from a shared pool
// of connections, picked by shares as kperf picks them. Compare the two in the summary:
//   k8s_request_duration{url:...resourceVersion=0} vs the quorum URL, and apiserver_request_total by verb.
// Run: loadgen run scenarios/list-stale-vs-quorum.ts   (against the local cluster unless --kubeconfig says otherwise)
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";

/** The request kinds and their shares, as in kperf's example profile. */
const REQUESTS: Array<{ shares: number; run: () => Promise<k8s.Reply> }> = [
  { shares: 1000, run: () => k8s.list("pods", { consistency: "stale", tags: { kind: "staleList" } }) },
  { shares: 1000, run: () => k8s.list("pods", { consistency: "quorum", limit: 1000, tags: { kind: "quorumList" } }) },
  { shares: 100, run: () => k8s.list("apps/v1/deployments", { consistency: "stale", tags: { kind: "staleList" } }) },
  { shares: 100, run: () => k8s.get("namespaces", "default", { consistency: "quorum", tags: { kind: "quorumGet" } }) },
];
const TOTAL_SHARES = REQUESTS.reduce((n, r) => n + r.shares, 0);

export const options = {
  scenarios: {
    lists: { executor: "constant-arrival-rate", rate: 100, timeUnit: "1s", duration: "30s", preAllocatedVUs: 20, maxVUs: 100 },
  },
  // kperf's spec: conns 10, client 100, JSON, HTTP/2.
  k8s: { conns: 10, clients: 100, contentType: "json", http2: true },
  thresholds: {
    k8s_request_errors: ["count==0"],
    "k8s_request_duration{kind:staleList}": ["p(99)<1000"],
    "k8s_request_duration{kind:quorumList}": ["p(99)<2000"],
    checks: ["rate==1"],
  },
};

export default async function () {
  let pick = Math.random() * TOTAL_SHARES;
  const request = REQUESTS.find((r) => (pick -= r.shares) < 0) ?? REQUESTS[0]!;
  const reply = await request.run();
  check(reply, { "status 200": (r) => r.status === 200 });
}
