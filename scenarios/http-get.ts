// HTTP GET load against a service, as a k6 script would do it (only `async`/`await` added). Against the consumer
// example or any URL: `loadgen run scenarios/http-get.ts -e URL=http://127.0.0.1:8000 -e RATE=100 -e DURATION=1m`.
// An open model (constant-arrival-rate): a slow service shows as latency and dropped_iterations, not as fewer requests.
import http from "loadgen/http";
import { check } from "loadgen";
import exec from "loadgen/execution";

const base = __ENV.URL ?? "http://127.0.0.1:8000";

export const options = {
  scenarios: {
    get: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE ?? 20),
      timeUnit: "1s",
      duration: __ENV.DURATION ?? "30s",
      preAllocatedVUs: 10,
      maxVUs: 100,
    },
  },
  // Nobody reads the bodies: read them off the wire without keeping them.
  discardResponseBodies: true,
  thresholds: {
    http_req_failed: ["rate<0.01"],
    http_req_duration: ["p(95)<500"],
    "http_req_duration{name:item}": ["p(99)<1000"],
  },
};

export async function setup(): Promise<void> {
  const res = await http.get(`${base}/health`, { responseType: "text" });
  if (res.status !== 200) exec.test.abort(`${base}/health answered ${res.status || res.error}: is the service up?`);
}

export default async function () {
  const health = await http.get(`${base}/health`);
  check(health, { "health is 200": (r) => r.status === 200 });
  // One series for every id: the template names the request (`name` and `url` tags).
  const id = exec.scenario.iterationInTest % 100;
  const item = await http.get(`${base}/items/${id}`, { tags: { name: "item" } });
  check(item, { "item answered": (r) => r.status !== 0 });
}
