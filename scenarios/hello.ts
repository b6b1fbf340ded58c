// The smallest scenario: no cluster needed. Try `loadgen run -u 50 -d 30s -e TARGET=x scenarios/hello.ts`.
import { check, group, sleep } from "loadgen";
import { Trend } from "loadgen/metrics";
import exec from "loadgen/execution";

const think = new Trend("hello_think_ms", true);

export const options = {
  vus: 5,
  iterations: 50,
  thresholds: {
    checks: ["rate==1"],
    iteration_duration: ["p(95)<500"],
  },
};

export default async function () {
  const target = __ENV.TARGET ?? "world";
  await group("greet", async () => {
    const started = Date.now();
    await sleep(0.01);
    think.add(Date.now() - started);
    check(target, { "target is set": (t) => t.length > 0 });
  });
  check(exec.vu.idInTest, { "VU ids start at 1": (id) => id >= 1 });
}
