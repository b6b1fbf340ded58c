// The sandbox flags of `loadgen run` (the built CLI: `npm run build` first): --block-hostnames and --blacklist-ip,
// comma-separated and repeatable, refuse what they name and say which flag did.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli, tempScenario } from "../fixtures/run-scenario.ts";
import { httpServer } from "./servers.ts";

test("--block-hostnames and --blacklist-ip refuse what they name; the error names the flag", async () => {
  const s = await httpServer();
  try {
    const script = tempScenario(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { thresholds: { checks: ["rate==1"] } };
export default async function () {
  const a = await http.get("http://blocked.test:" + __ENV.PORT + "/");
  check(a, { "hostname": (r) => r.error_code === 1111 && /--block-hostnames/.test(r.error) });
  const b = await http.get("http://127.0.0.2:" + __ENV.PORT + "/");
  check(b, { "address": (r) => r.error_code === 1110 && /--blacklist-ip/.test(r.error) });
  const c = await http.get("http://127.0.0.1:" + __ENV.PORT + "/ok");
  check(c, { "the rest passes": (r) => r.status === 200 });
}
`);
    const o = await runCli(["run", "--quiet", "--block-hostnames", "x.test,blocked.test", "--blacklist-ip", "10.0.0.0/8", "--blacklist-ip", "::1,127.0.0.2/32", "-e", `PORT=${s.port}`, script]);
    assert.is(o.exitCode, 0, o.stderr + o.stdout);
    assert.equal([s.seen.total, s.seen.count("GET /ok")], [1, 1]);
    const bad = await runCli(["run", "--quiet", "--blacklist-ip", "10.0.0.0/99", script]);
    assert.is(bad.exitCode, 104);
    assert.match(bad.stderr, "--blacklist-ip");
  } finally {
    await s.close();
  }
});

test.run();
