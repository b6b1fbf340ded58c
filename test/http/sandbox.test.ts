// A VU cannot use loadgen/http to get around the sandbox: k6's blockHostnames/blacklistIPs (options and flags), the
// cloud metadata addresses and the run's Kubernetes API server are refused after DNS resolution, redirects included,
// with k6's error codes; nothing reaches the refused listener; no proxy variable is honoured.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AddressRules } from "../../runtime/http/address-rules.ts";
import { checksRun, failedChecks, runHttp, why } from "./helpers.ts";
import { httpServer, silentListener, type TestServer } from "./servers.ts";

let server: TestServer;
test.before(async () => {
  server = await httpServer();
});
test.after(async () => {
  await server.close();
});

/** A scenario that requests each URL of __ENV.URLS and checks each answer's error_code is the one listed. */
const probe = (options = "{}") => `
import http from "loadgen/http";
import { check } from "loadgen";
export const options = ${options};
export default async function () {
  for (const [url, want] of JSON.parse(__ENV.CASES)) {
    const r = await http.get(url);
    check(r, { [url + " → " + want]: (x) => (want === 200 ? x.status === 200 : x.status === 0 && x.error_code === want) });
    if (want !== 200) check(r, { [url + " says why"]: (x) => /is blocked|is blacklisted/.test(x.error) });
  }
}
`;

test("blockHostnames (option) and --block-hostnames (flag) refuse names, exact or *.suffix: error_code 1111", async () => {
  const before = server.seen.total;
  const port = server.port;
  const cases = [
    [`http://localhost:${port}/a`, 1111],
    [`http://api.blocked.test:${port}/`, 1111],
    [`http://deep.api.blocked.test:${port}/`, 1111],
    [`http://flagged.test:${port}/`, 1111],
    [`http://127.0.0.1:${port}/ok`, 200],
  ];
  const o = await runHttp(probe(`{ blockHostnames: ["LOCALHOST", "*.blocked.test"] }`), { env: { CASES: JSON.stringify(cases) }, network: { blockHostnames: ["flagged.test"] } });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 9);
  assert.is(server.seen.total - before, 1, "only the allowed request reached the server");
});

test("blacklistIPs (option) and --blacklist-ip (flag) refuse addresses after DNS: a name that resolves to one is refused (1110)", async () => {
  const before = server.seen.total;
  const port = server.port;
  const other = await httpServer("127.0.0.3");
  try {
    const cases = [
      [`http://localhost:${port}/`, 1110],
      [`http://127.0.0.1:${port}/`, 1110],
      [`http://[::ffff:127.0.0.1]:${port}/`, 1110],
      [`http://127.0.0.2:${port}/`, 1110],
      [`${other.url}/ok`, 200],
    ];
    const o = await runHttp(probe(`{ blacklistIPs: ["127.0.0.2"] }`), { env: { CASES: JSON.stringify(cases) }, network: { blacklistIPs: ["127.0.0.1/32", "::1/128"] } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(server.seen.total - before, 0);
    assert.is(other.seen.total, 1);
  } finally {
    await other.close();
  }
});

test("link-local and cloud metadata addresses are always refused, in every spelling", async () => {
  const cases = [
    ["http://169.254.169.254/latest/meta-data/", 1110],
    ["http://169.254.170.2/v2/credentials", 1110],
    ["http://[fe80::1]/", 1110],
    ["http://[fd00:ec2::254]/latest/meta-data/", 1110],
    ["http://[::ffff:169.254.169.254]/", 1110],
    ["http://[::ffff:a9fe:a9fe]/", 1110],
    ["http://metadata.google.internal/computeMetadata/v1/", 1111],
    ["http://METADATA.google.internal./", 1111],
    ["http://100.100.100.200/latest/meta-data/", 1110],
  ];
  const o = await runHttp(probe(), { env: { CASES: JSON.stringify(cases) } });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), cases.length * 2);
});

/** A kubeconfig whose cluster is `server` (no credentials needed: nothing authenticates). */
function kubeconfig(server: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-http-kubeconfig-"));
  const file = path.join(dir, "config");
  writeFileSync(file, `apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: { cluster: test, user: test }
- name: other
  context: { cluster: other, user: test }
clusters:
- name: test
  cluster: { server: "${server}" }
- name: other
  cluster: { server: "https://127.0.0.9:1" }
users:
- name: test
  user: { token: not-used }
`);
  return file;
}

test("the Kubernetes API server of the run's credentials is refused, on its port at every local address; other ports are not", async () => {
  const api = await silentListener();
  const before = server.seen.total;
  try {
    const p = api.port;
    const cases = [
      [`https://127.0.0.1:${p}/api/v1/secrets`, 1110],
      [`http://127.0.0.1:${p}/api`, 1110],
      [`https://localhost:${p}/version`, 1110],
      [`http://127.0.0.2:${p}/`, 1110],
      [`http://[::1]:${p}/`, 1110],
      [`http://0.0.0.0:${p}/`, 1110],
      [`${server.url}/ok`, 200],
    ];
    const o = await runHttp(probe(), { env: { CASES: JSON.stringify(cases) }, cluster: { kubeconfig: kubeconfig(`https://127.0.0.1:${p}`) } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(api.seen.connections, 0, "nothing connected to the API server's port");
    assert.is(server.seen.total - before, 1);
  } finally {
    await api.close();
  }
});

test("--context picks which API server is refused, as it picks the run's credentials", async () => {
  const api = await silentListener();
  try {
    const cases = [[`http://127.0.0.1:${api.port}/`, 1110]];
    const file = kubeconfig(`https://127.0.0.9:${api.port}`);
    writeFileSync(file, readFileSync(file, "utf8").replace("https://127.0.0.9:1", `https://127.0.0.1:${api.port}`));
    const o = await runHttp(probe(), { env: { CASES: JSON.stringify(cases) }, cluster: { kubeconfig: file, context: "other" } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(api.seen.connections, 0);
  } finally {
    await api.close();
  }
});

test("a redirect into a refused address is refused too (the redirecting server got its request, the target nothing)", async () => {
  const api = await silentListener();
  const before = server.seen.count("GET /redirect");
  try {
    const to = (u: string) => `${server.url}/redirect?to=${encodeURIComponent(u)}`;
    const cases = [
      [to("http://169.254.169.254/latest/meta-data/iam/"), 1110],
      [to(`https://127.0.0.1:${api.port}/api`), 1110],
      [to("http://metadata.google.internal/"), 1111],
    ];
    const o = await runHttp(probe(), { env: { CASES: JSON.stringify(cases) }, cluster: { kubeconfig: kubeconfig(`https://localhost:${api.port}`) } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(server.seen.count("GET /redirect") - before, 3);
    assert.is(api.seen.connections, 0);
  } finally {
    await api.close();
  }
});

test("a refusal is catchable: with throw: true an HttpError carrying error_code, which a try/catch handles", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { throw: true };
export default async function () {
  try {
    await http.get("http://169.254.169.254/");
    check(null, { "thrown": () => false });
  } catch (e) {
    check(e, { "HttpError 1110": (x) => x.name === "HttpError" && x.error_code === 1110 && x.response.status === 0 && /metadata/.test(x.message) });
  }
}
`);
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 1);
});

test("no proxy variable is honoured: requests go straight to their origin", async () => {
  const proxy = await httpServer("127.0.0.4");
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY, http_proxy: process.env.http_proxy, ALL_PROXY: process.env.ALL_PROXY };
  for (const k of Object.keys(saved)) process.env[k] = proxy.url;
  try {
    const o = await runHttp(probe(), { env: { CASES: JSON.stringify([[`${server.url}/direct`, 200]]) } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(proxy.seen.total, 0);
    assert.is(proxy.seen.connections, 0);
    assert.is(server.seen.count("GET /direct"), 1);
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await proxy.close();
  }
});

test("malformed blockHostnames or blacklistIPs fail the run before it starts, naming the entry; so do bad flags", async () => {
  const o = await runHttp(probe(`{ blockHostnames: ["a.*.b"], blacklistIPs: ["10.0.0.0/40", "nope"] }`), { env: { CASES: "[]" } });
  assert.is(o.exitCode, 104, why(o));
  for (const field of ["blockHostnames[0]", "blacklistIPs[0]", "blacklistIPs[1]"]) assert.match(o.error!, field);
  const f = await runHttp(probe(), { env: { CASES: "[]" }, network: { blacklistIPs: ["999.1.1.1"], blockHostnames: ["*"] } });
  assert.is(f.exitCode, 104, why(f));
  assert.match(f.error!, "--blacklist-ip");
  assert.match(f.error!, "999.1.1.1");
  assert.match(f.error!, "--block-hostnames");
});

test("the rules themselves: CIDR ranges, IPv4-mapped IPv6, endpoints by port", () => {
  const r = new AddressRules().blockRange("10.0.0.0/8", "r").blockRange("2001:db8::/32", "v6").blockEndpoint("127.0.0.1", 6443, "api").blockHostname("*.corp", "h");
  assert.is(r.address("10.1.2.3", 80, "")?.kind, "address");
  assert.ok(r.address("::ffff:10.1.2.3", 80, "") !== undefined);
  assert.ok(r.address("2001:db8:0::1", 443, "") !== undefined);
  assert.is(r.address("11.0.0.1", 80, ""), undefined);
  assert.ok(r.address("127.0.0.1", 6443, "") !== undefined);
  assert.is(r.address("127.0.0.1", 6444, ""), undefined);
  assert.ok(r.hostname("x.corp", 80) !== undefined);
  assert.is(r.hostname("corp", 80), undefined);
  assert.throws(() => new AddressRules().blockRange("10.0.0.0/33", ""), /not an IP address or CIDR/);
  assert.throws(() => new AddressRules().blockHostname("a*b", ""), /not a hostname pattern/);
});

test.run();
