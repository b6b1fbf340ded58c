// NimbusGuard's service load tests (src/generator/load_generator.py @1fc9cf5), made to scale a service's autoscaler:
// every request is POST /process?cpu_intensity=&memory_size=&duration=&async_mode= without a body.
//
//   loadgen run scenarios/service-load.ts -e URL=http://127.0.0.1:8000 -e TEST=heavy
//   node examples/consumer/server.mjs --port 8000                 # a service to run it against
//
// | test          | concurrency | total | cpu_intensity | memory MB | duration s | mode  | delay s | Job deadline s |
// | ------------- | ----------- | ----- | ------------- | --------- | ---------- | ----- | ------- | -------------- |
// | light         | 2           | 10    | 2             | 20        | 5          | async | 0.1     | 300            |
// | medium        | 5           | 20    | 6             | 80        | 15         | async | 0.1     | 480            |
// | heavy         | 10          | 30    | 9             | 150       | 20         | async | 0.1     | 600            |
// | sustained     | 8           | 25    | 8             | 120       | 60         | async | 2.0     | 1800           |
// | burst         | 15          | 40    | 10            | 100       | 10         | async | 0.1     | 300            |
// | memory_stress | 6           | 15    | 3             | 250       | 30         | async | 0.1     | 600            |
// | cpu_stress    | 8           | 20    | 10            | 50        | 25         | sync  | 0.1     | 600            |
//
// -e knobs:
//   TEST=light|medium|heavy|sustained|burst|memory_stress|cpu_stress|all   (default medium, as the original)
//     all: every test in this order, 30 s apart: each test is a k6 scenario whose startTime follows the previous one's
//     planned span (its schedule with the answers it should get, + 25 % + SPAN_SLACK=10s), so they never overlap; a
//     test still running at the end of its span is stopped there (and its count threshold fails).
//   URL=http://127.0.0.1:8000   the service
//   CLEANUP=none|before|after|both   DELETE /process/cleanup before the tests (then a 2 s pause, as --cleanup did)
//     and/or after them
//   MONITOR=10s|off   GET /process/status every 10 s until every request is done (and once at the end) into
//     service_* gauges
//   MODEL=closed|open  closed (default): the original's pacing — `concurrency` VUs share the `total` requests
//     (shared-iterations, the original's semaphore) and request i waits i × delay in its slot before it is sent, so a
//     slow service slows the load down. open: constant-arrival-rate with the same request rate (total requests over
//     the closed schedule's span), up to `total` VUs in flight: a slow service gets requests piling up, not fewer.
//   TIME_SCALE=1   multiplies every wait of the scenario (delays, the 30 s gaps, the 2 s pause, the monitor period,
//     the planned spans); the requests' parameters stay the table's. Pair it with the consumer's own --time-scale to
//     shorten its work: `server.mjs --time-scale 0.1` + `-e TIME_SCALE=0.1` runs `all` in about a tenth of the time.
//   SPAN_SLACK=10s   all: how far past its expected span a test may run (answers of a busy service come late,
//     whatever TIME_SCALE says)
//   LATENCY_SLACK=2s   the p(95) gate: async answers within it (the original's KEDA latency trigger was 2 s), sync
//     answers within the work's duration + it.
//
// Thresholds: http_req_failed rate<0.01 (the original's success was a 200), checks rate>=0.99, per test
// `http_req_duration{test:NAME}` p(95) as above, and `iterations{test:NAME}` count==total (closed: every request
// sent and answered) or `dropped_iterations{test:NAME}` count==0 (open). Watch the service's Deployment scale with
// scenarios/service-load-scaling.ts.
import { monitorLoop, processRequest as sendProcess, planOptions, readKnobs, setupService, teardownService, type LoadTest } from "./lib/service-load.ts";

export const TESTS: Readonly<Record<string, LoadTest>> = {
  light: { concurrency: 2, total: 10, cpuIntensity: 2, memoryMb: 20, durationS: 5, async: true, delayS: 0.1, deadlineS: 300 },
  medium: { concurrency: 5, total: 20, cpuIntensity: 6, memoryMb: 80, durationS: 15, async: true, delayS: 0.1, deadlineS: 480 },
  heavy: { concurrency: 10, total: 30, cpuIntensity: 9, memoryMb: 150, durationS: 20, async: true, delayS: 0.1, deadlineS: 600 },
  sustained: { concurrency: 8, total: 25, cpuIntensity: 8, memoryMb: 120, durationS: 60, async: true, delayS: 2.0, deadlineS: 1800 },
  burst: { concurrency: 15, total: 40, cpuIntensity: 10, memoryMb: 100, durationS: 10, async: true, delayS: 0.1, deadlineS: 300 },
  memory_stress: { concurrency: 6, total: 15, cpuIntensity: 3, memoryMb: 250, durationS: 30, async: true, delayS: 0.1, deadlineS: 600 },
  cpu_stress: { concurrency: 8, total: 20, cpuIntensity: 10, memoryMb: 50, durationS: 25, async: false, delayS: 0.1, deadlineS: 600 },
};

const knobs = readKnobs(TESTS);

export const options = planOptions(TESTS, knobs);

export async function setup(): Promise<void> {
  await setupService(knobs);
}

export async function processRequest(): Promise<void> {
  await sendProcess(TESTS, knobs);
}

export default processRequest;

export async function monitor(): Promise<void> {
  await monitorLoop(TESTS, knobs);
}

export async function teardown(): Promise<void> {
  await teardownService(knobs);
}
