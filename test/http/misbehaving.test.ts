// loadgen/http against servers that misbehave: slow, resetting, huge, redirecting in circles, with certificates of
// their own, over HTTP/2. What a user checks: k6's error codes, what the metrics count, what the server saw.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HttpClient } from "../../runtime/http-client/http-client.ts";
import { AddressRules } from "../../runtime/http/address-rules.ts";
import { MetricsEngine } from "../../runtime/metrics/engine.ts";
import { MetricRegistry } from "../../runtime/metrics/metric.ts";
import { TagRegistry } from "../../runtime/metrics/tags.ts";
import { HttpRecorder, registerHttpMetrics } from "../../runtime/http-client/http-metrics.ts";
import { parseHttpOptions } from "../../runtime/http-client/http-options.ts";
import { DEFAULT_EXPECTED } from "../../runtime/http-client/expected-statuses.ts";
import { checksRun, countOf, failedChecks, runHttp, seriesOf, why } from "./helpers.ts";
import { http2Server, httpServer, httpsServer, testPki, type TestServer } from "./servers.ts";

let server: TestServer;
test.before(async () => {
  server = await httpServer();
});
test.after(async () => {
  await server.close();
});

test("a server slower than the timeout: status 0, error_code 1050, counted as failed; the server did get the request", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export default async function () {
  const r = await http.get(__ENV.BASE + "/slow?ms=1500", { timeout: "200ms" });
  check(r, { "timed out": (x) => x.status === 0 && x.error_code === 1050 && x.error === "request timeout" });
}
`, { env: { BASE: server.url } });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 1);
  assert.is(server.seen.count("GET /slow"), 1);
  const s = seriesOf(o, "http_reqs")[0]!;
  assert.equal([s.tags.status, s.tags.error_code, s.tags.error, s.tags.expected_response], ["0", "1050", "request timeout", "false"]);
  assert.is(o.summary!.metrics.http_req_failed!.values.rate, 1);
});

test("a connection reset: error_code 1220; a refused connection: 1212", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export default async function () {
  check(await http.get(__ENV.BASE + "/reset"), { "reset": (x) => x.status === 0 && x.error_code === 1220 && /reset by peer/.test(x.error) });
  check(await http.get("http://127.0.0.1:1/"), { "refused": (x) => x.error_code === 1212 && x.error === "dial: connection refused" });
  check(await http.get(__ENV.BASE + "/hello"), { "the next request on the same origin works": (x) => x.status === 200 });
}
`, { env: { BASE: server.url } });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 3);
});

test("a huge body: responseType none reads it off the wire, keeps nothing, and data_received counts every byte", async () => {
  const s = await httpServer();
  const size = 24 << 20;
  try {
    const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export default async function () {
  const r = await http.get(__ENV.BASE + "/huge?bytes=${size}", { responseType: "none" });
  check(r, { "200, no body": (x) => x.status === 200 && x.body === null && x.headers["Content-Length"] === "${size}" });
}
`, { env: { BASE: s.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(s.seen.bodyBytes, size);
    const received = countOf(o, "data_received");
    assert.ok(received >= size && received < size + 1000, `data_received ${received} for a ${size}-byte body`);
  } finally {
    await s.close();
  }
});

test("responseType none holds no byte of the body on the host either (the client level)", async () => {
  const s = await httpServer();
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const client = new HttpClient(parseHttpOptions({}, "t"), new AddressRules(), new HttpRecorder(registerHttpMetrics(metrics), new MetricsEngine(metrics, tags)));
  try {
    const spec = (keep: boolean) => ({ headers: {}, headerBytes: 0, exchange: { keepBody: keep, keepErrorBody: keep, keepHeaders: true, timeoutMs: 30_000 }, redirects: 0, cookies: [], tags: undefined, name: undefined });
    const size = 8 << 20;
    const none = await client.send("GET", client.target(`${s.url}/huge?bytes=${size}`), spec(false), undefined, undefined, tags.empty, DEFAULT_EXPECTED, undefined);
    assert.is(none.exchange.bytes, size);
    assert.is(none.exchange.kept, false);
    assert.is(none.exchange.bodyBytes().length, 0);
    const kept = await client.send("GET", client.target(`${s.url}/huge?bytes=${size}`), spec(true), undefined, undefined, tags.empty, DEFAULT_EXPECTED, undefined);
    assert.is(kept.exchange.bodyBytes().length, size);
  } finally {
    await client.close();
    await s.close();
  }
});

test("redirects: followed up to the limit (each hop a request), then the 3xx itself is the answer", async () => {
  const s = await httpServer();
  try {
    const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { maxRedirects: 4 };
export default async function () {
  const r = await http.get(__ENV.BASE + "/loop", { tags: { name: "loop" } });
  check(r, { "stopped at the limit with the 302": (x) => x.status === 302 && x.error_code === 0 && x.url === __ENV.BASE + "/loop?n=4" });
  check(await http.get(__ENV.BASE + "/loop", { redirects: 0, tags: { name: "no-follow" } }), { "redirects: 0": (x) => x.status === 302 && x.headers.Location === "/loop?n=1" });
  const rel = await http.get(__ENV.BASE + "/redirect?to=" + encodeURIComponent("/items/rel"), { tags: { name: "rel" } });
  check(rel, { "a relative Location": (x) => x.status === 200 && x.body === "item rel" && x.url === __ENV.BASE + "/items/rel" });
  const see = await http.post(__ENV.BASE + "/redirect?status=303&to=/echo", "payload", { tags: { name: "303" } });
  check(see, { "303 turns a POST into a GET without its body": (x) => x.json().method === "GET" && x.json().body === "" });
  const keep = await http.post(__ENV.BASE + "/redirect?status=307&to=/echo", "payload", { tags: { name: "307" } });
  check(keep, { "307 keeps the method and body": (x) => x.json().method === "POST" && x.json().body === "payload" });
}
`, { env: { BASE: s.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(checksRun(o), 5);
    assert.is(s.seen.count("GET /loop"), 5 + 1, "4 redirects followed + the first, and 1 not followed");
    assert.is(countOf(o, "http_reqs", { name: "loop" }), 5);
    assert.is(countOf(o, "http_reqs", { name: "no-follow" }), 1);
    assert.is(countOf(o, "http_reqs"), s.seen.total);
  } finally {
    await s.close();
  }
});

test("a redirect to another host drops the credentials a user put in the URL or headers", async () => {
  const other = await httpServer("127.0.0.2");
  try {
    const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export default async function () {
  const B = __ENV.BASE.replace("http://", "http://user:pw@");
  const same = await http.get(B + "/redirect?to=/echo");
  check(same, { "same host keeps Authorization": (x) => x.json().headers.authorization === "Basic dXNlcjpwdw==" });
  const away = await http.get(B + "/redirect?to=" + encodeURIComponent(__ENV.OTHER + "/echo"), { headers: { Authorization: "Bearer t" } });
  check(away, { "another host gets none": (x) => x.status === 200 && x.json().headers.authorization === undefined });
}
`, { env: { BASE: server.url, OTHER: other.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(other.seen.count("GET /echo"), 1);
  } finally {
    await other.close();
  }
});

test("TLS with a CA of the test's own: unknown authority (1310) until options.http.ca trusts it, or insecureSkipTLSVerify", async () => {
  const s = await httpsServer();
  const mismatch = await httpsServer("127.0.0.2");
  const pki = await testPki();
  const script = (options: string) => `
import http from "loadgen/http";
import { check } from "loadgen";
export const options = ${options};
export default async function () {
  const r = await http.get(__ENV.BASE + "/hello");
  check(r, { [__ENV.WANT]: (x) => String(x.status === 200 ? 200 : x.error_code) === __ENV.WANT });
}
`;
  try {
    for (const [options, want] of [
      ["{}", "1310"],
      [`{ http: { ca: ${JSON.stringify(pki.caPem)} } }`, "200"],
      ["{ insecureSkipTLSVerify: true }", "200"],
    ] as const) {
      const o = await runHttp(script(options), { env: { BASE: s.url, WANT: want } });
      assert.is(o.exitCode, 0, why(o));
      assert.equal(failedChecks(o), [], `${options} → ${want}`);
    }
    // The certificate names 127.0.0.1 and localhost, not 127.0.0.2.
    const o = await runHttp(script(`{ http: { ca: ${JSON.stringify(pki.caPem)} } }`), { env: { BASE: mismatch.url, WANT: "1311" } });
    assert.equal(failedChecks(o), [], why(o));
    assert.is(s.seen.count("GET /hello"), 2);
  } finally {
    await s.close();
    await mismatch.close();
  }
});

test("tlsAuth presents a client certificate to a server that requires one", async () => {
  const s = await httpsServer("127.0.0.1", { requireClientCert: true });
  const pki = await testPki();
  try {
    const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { http: { ca: ${JSON.stringify(pki.caPem)} }, tlsAuth: [{ domains: ["localhost"], cert: ${JSON.stringify(pki.clientCert)}, key: ${JSON.stringify(pki.clientKey)} }] };
export default async function () {
  check(await http.get(__ENV.BASE.replace("127.0.0.1", "localhost") + "/hello"), { "with the certificate": (x) => x.status === 200 });
  check(await http.get(__ENV.BASE + "/hello"), { "without it (another domain)": (x) => x.status === 0 && x.error_code !== 0 });
}
`, { env: { BASE: s.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(s.seen.count("GET /hello"), 1);
  } finally {
    await s.close();
  }
});

test("HTTP/2: negotiated over TLS, concurrent requests share one connection, proto HTTP/2.0", async () => {
  const s = await http2Server();
  const h1 = await httpsServer();
  const pki = await testPki();
  try {
    const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { http: { ca: ${JSON.stringify(pki.caPem)} }, batch: 20, batchPerHost: 0 };
export default async function () {
  const first = await http.get(__ENV.BASE + "/hello");
  check(first, { "h2": (x) => x.status === 200 && x.proto === "HTTP/2.0" && x.status_text === "200 OK" && x.body === "hello /hello" });
  const reqs = [];
  for (let i = 0; i < 20; i++) reqs.push(__ENV.BASE + "/items/" + i);
  const rs = await http.batch(reqs);
  check(rs, { "all answered over h2": (list) => list.every((x, i) => x.proto === "HTTP/2.0" && x.body === "item " + i) });
  check(await http.get(__ENV.H1 + "/hello"), { "an HTTP/1.1-only server is spoken to in HTTP/1.1": (x) => x.status === 200 && x.proto === "HTTP/1.1" });
}
`, { env: { BASE: s.url, H1: h1.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.equal(failedChecks(o), []);
    assert.is(s.seen.total, 21);
    assert.is(s.sessions(), 1, "one HTTP/2 connection for 21 requests, 20 of them at once");
    assert.is(countOf(o, "http_reqs", { proto: "HTTP/2.0" }), 21);
  } finally {
    await s.close();
    await h1.close();
  }
});

test.run();
