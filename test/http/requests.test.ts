// loadgen/http as a k6 user uses it: methods, bodies, responses, batch, names and templates, expected statuses,
// cookies, and k6's metrics — each compared with what the server itself counted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checksRun, countOf, failedChecks, runHttp, seriesOf, why } from "./helpers.ts";
import { httpServer, type TestServer } from "./servers.ts";

let server: TestServer;
test.before(async () => {
  server = await httpServer();
});
test.after(async () => {
  await server.close();
});
const env = () => ({ BASE: server.url });

test("every method reaches the server with its body and headers, and the response reads as k6's", async () => {
  const before = server.seen.total;
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
const B = __ENV.BASE;
export default async function () {
  const g = await http.get(B + "/echo?q=1", { headers: { "X-Test": "yes" } });
  const e = g.json();
  check(g, {
    "get 200": (r) => r.status === 200 && r.status_text === "200 OK" && r.proto === "HTTP/1.1" && r.error === "" && r.error_code === 0,
    "get header sent": () => e.headers["x-test"] === "yes" && e.headers["user-agent"].startsWith("loadgen/"),
    "get headers canonical": (r) => r.headers["Content-Type"] === "application/json",
    "get url": (r) => r.url === B + "/echo?q=1" && r.request.method === "GET",
  });
  const j = await http.get(B + "/json");
  check(j, { "json path": (r) => r.json("items.0.name") === "a" && r.json("items.#") === 2 && r.json("nope.x") === undefined });
  for (const [m, fn] of [["POST", http.post], ["PUT", http.put], ["PATCH", http.patch], ["DELETE", http.del], ["OPTIONS", http.options]] as const) {
    const r = await fn(B + "/echo", "body-" + m, { headers: { "Content-Type": "text/plain" } });
    const b = r.json();
    check(r, { [m + " echoed"]: () => b.method === m && b.body === "body-" + m && b.headers["content-type"] === "text/plain" });
  }
  const h = await http.head(B + "/echo");
  check(h, { "head has no body": (r) => r.status === 200 && (r.body === "" || r.body === null) });
  const r = await http.request("post", B + "/echo", "x");
  check(r, { "request() takes any case": (x) => x.json().method === "POST" });
  const a = await http.asyncRequest("GET", B + "/status/404");
  check(a, { "404 is a response, error_code 1404": (x) => x.status === 404 && x.error_code === 1404 && x.body === "status 404" });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 13);
  for (const m of ["PUT", "PATCH", "DELETE", "OPTIONS"]) assert.is(server.seen.count(`${m} /echo`), 1, m);
  assert.is(server.seen.count("POST /echo"), 2);
  assert.is(server.seen.total - before, 10);
});

test("bodies: text as is, an object form-encoded, bytes byte for byte; responseType binary and none", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
const B = __ENV.BASE;
export default async function () {
  const form = (await http.post(B + "/echo", { a: "1 2", b: "&" })).json();
  check(form, { "form encoded": (b) => b.body === "a=1%202&b=%26" && b.headers["content-type"] === "application/x-www-form-urlencoded" });
  const bytes = new Uint8Array([0, 1, 200, 255]);
  const bin = (await http.post(B + "/echo", bytes.buffer)).json();
  check(bin, { "bytes sent": (b) => b.body === "\\u0000\\u0001\\u00c8\\u00ff" });
  const view = (await http.post(B + "/echo", bytes.subarray(1, 3))).json();
  check(view, { "a typed array's view sent": (b) => b.body === "\\u0001\\u00c8" });
  const rb = await http.get(B + "/binary", { responseType: "binary" });
  const got = new Uint8Array(rb.body as ArrayBuffer);
  check(rb, { "binary body": () => got.length === 5 && got[3] === 250 && got[4] === 255 });
  const none = await http.get(B + "/json", { responseType: "none" });
  check(none, { "none: no body, status and headers still there": (r) => r.body === null && r.status === 200 && r.headers["Content-Type"] === "application/json" });
  const text = await http.get(B + "/json", { responseType: "text" });
  check(text, { "text: a string": (r) => typeof r.body === "string" && r.json().ok === true });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 6);
});

test("an object body with http.file() values goes as multipart/form-data: every field and file arrives whole, as a multipart parser reads it", async () => {
  const before = server.seen.headers.length;
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
const B = __ENV.BASE;
export default async function () {
  const bytes = new Uint8Array([0, 1, 200, 255]);
  const r = await http.post(B + "/echo", { title: "daily é", count: 3, report: http.file(bytes.buffer, "report.bin"), notes: http.file("line 1\\nline 2", "notes.txt", "text/plain") });
  check(r, { "answered": (x) => x.status === 200 });
  const f = http.file([104, 105]);
  check(f, { "k6's defaults: octet-stream, a time as the name": (x) => x.content_type === "application/octet-stream" && /^\\d+$/.test(x.filename) && x.data.length === 2 });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 2);
  const type = server.seen.headers.slice(before).map((h) => String(h["content-type"])).find((t) => t.startsWith("multipart/form-data; boundary="));
  assert.ok(type, "the server got a multipart request");
  const boundary = type!.slice(type!.indexOf("=") + 1);
  const body = server.seen.bodies.find((b) => b.includes(`--${boundary}--`));
  // Node's own multipart parser (fetch's Response.formData) reads what the server received.
  const form = await new Response(body, { headers: { "content-type": type! } }).formData();
  assert.equal([...form.keys()], ["title", "count", "report", "notes"], "the fields in the object's order");
  assert.is(form.get("title"), "daily é");
  assert.is(form.get("count"), "3");
  const report = form.get("report") as File;
  assert.equal([report.name, report.type, [...new Uint8Array(await report.arrayBuffer())]], ["report.bin", "application/octet-stream", [0, 1, 200, 255]]);
  const notes = form.get("notes") as File;
  assert.equal([notes.name, notes.type, await notes.text()], ["notes.txt", "text/plain", "line 1\nline 2"]);
});

test("batch sends every request once, in parallel, and answers in order (arrays) or by key (objects)", async () => {
  const before = server.seen.count("GET /items/0");
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
const B = __ENV.BASE;
export const options = { batch: 4, batchPerHost: 2 };
export default async function () {
  const reqs = [];
  for (let i = 0; i < 30; i++) reqs.push(B + "/items/" + i);
  const rs = await http.batch(reqs);
  check(rs, { "in order": (list) => list.length === 30 && list.every((r, i) => r.body === "item " + i) });
  const byKey = await http.batch({ a: B + "/items/a", b: ["POST", B + "/echo", "pb"], c: { method: "GET", url: http.url\`\${B}/items/\${"c"}\` } });
  check(byKey, { "by key": (m) => m.a.body === "item a" && m.b.json().body === "pb" && m.c.body === "item c" });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(server.seen.count("GET /items/0") - before, 1);
  assert.is(server.seen.count("GET /items/29"), 1);
  assert.is(countOf(o, "http_reqs"), 33);
});

test("k6's metrics: one http_reqs per request the server counted, every phase, bytes both ways, k6's tags", async () => {
  const s = await httpServer();
  try {
    const o = await runHttp(`
import http from "loadgen/http";
export const options = { scenarios: { load: { executor: "per-vu-iterations", vus: 3, iterations: 5 } } };
export default async function () {
  await http.get(__ENV.BASE + "/hello");
  await http.post(__ENV.BASE + "/echo", "0123456789");
  await http.get(__ENV.BASE + "/status/503");
}
`, { env: { BASE: s.url } });
    assert.is(o.exitCode, 0, why(o));
    assert.is(s.seen.total, 45);
    assert.is(countOf(o, "http_reqs"), s.seen.total);
    assert.is(countOf(o, "http_reqs", { method: "GET", status: "200" }), s.seen.count("GET /hello"));
    assert.is(countOf(o, "http_reqs", { method: "POST" }), s.seen.count("POST /echo"));
    const hello = seriesOf(o, "http_reqs").find((x) => x.tags.url === s.url + "/hello")!;
    assert.equal(
      { ...hello.tags },
      { scenario: "load", method: "GET", url: s.url + "/hello", name: s.url + "/hello", status: "200", proto: "HTTP/1.1", expected_response: "true" },
    );
    const failed = seriesOf(o, "http_reqs").find((x) => x.tags.status === "503")!;
    assert.is(failed.tags.expected_response, "false");
    assert.is(failed.tags.error_code, "1503");
    for (const m of ["http_req_duration", "http_req_blocked", "http_req_connecting", "http_req_tls_handshaking", "http_req_sending", "http_req_waiting", "http_req_receiving"]) {
      assert.is(o.summary!.metrics[m]!.type, "trend", m);
      assert.is(o.summary!.metrics[m]!.contains, "time", m);
      const n = seriesOf(o, m).reduce((a, x) => a + (x.values.count ?? 0), 0);
      assert.ok(o.summary!.metrics[m]!.values.max! >= 0, m);
      void n;
    }
    const f = o.summary!.metrics.http_req_failed!;
    assert.equal({ rate: f.values.rate, passes: f.values.passes, fails: f.values.fails }, { rate: 15 / 45, passes: 15, fails: 30 });
    // What the server sent back: at least its body bytes; what it was sent: at least the POST bodies.
    assert.ok(countOf(o, "data_received") >= s.seen.bodyBytes, `${countOf(o, "data_received")} >= ${s.seen.bodyBytes}`);
    assert.ok(countOf(o, "data_sent") >= 15 * 10);
    // Three VUs, one connection each at most: connections are kept alive between iterations.
    assert.ok(s.seen.connections <= 3, `${s.seen.connections} connections`);
  } finally {
    await s.close();
  }
});

test("a name tag, or an http.url template, keeps URLs with ids in one series", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
export const options = { iterations: 40 };
export default async function () {
  const id = Math.floor(Math.random() * 1e9);
  await http.get(http.url\`\${__ENV.BASE}/items/\${id}\`);
  await http.get(__ENV.BASE + "/items/" + id + "?x", { tags: { name: "item-by-id", kind: "k" } });
  await http.get(__ENV.BASE + "/items/fixed");
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  const series = seriesOf(o, "http_reqs");
  const names = series.map((x) => x.tags.name).sort();
  // As in k6, every interpolated value is a ${} of the name, the base URL too.
  assert.equal(names, ["${}/items/${}", server.url + "/items/fixed", "item-by-id"]);
  for (const x of series) assert.is(x.tags.url, x.tags.name, "url carries the name (k6 >= 0.41)");
  assert.is(series.find((x) => x.tags.name === "item-by-id")!.tags.kind, "k");
  assert.ok(series.every((x) => x.values.count === 40));
  assert.is(seriesOf(o, "http_req_duration").length, 3);
});

test("expectedStatuses: setResponseCallback and per-request responseCallback decide http_req_failed", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
http.setResponseCallback(http.expectedStatuses(404, { min: 500, max: 502 }));
export default async function () {
  await http.get(__ENV.BASE + "/status/404", { tags: { t: "a" } });
  await http.get(__ENV.BASE + "/status/501", { tags: { t: "b" } });
  await http.get(__ENV.BASE + "/status/200", { tags: { t: "c" } });
  await http.get(__ENV.BASE + "/status/200", { tags: { t: "d" }, responseCallback: http.expectedStatuses(200) });
  await http.get(__ENV.BASE + "/status/500", { tags: { t: "e" }, responseCallback: null });
  http.setResponseCallback(null);
  await http.get(__ENV.BASE + "/status/500", { tags: { t: "f" } });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  const byT = Object.fromEntries(seriesOf(o, "http_reqs").map((x) => [x.tags.t, x.tags.expected_response ?? "none"]));
  assert.equal(byT, { a: "true", b: "true", c: "false", d: "true", e: "none", f: "none" });
  const f = o.summary!.metrics.http_req_failed!.values;
  assert.equal([f.passes, f.fails], [1, 3], "one failed (c) of four judged");
});

test("cookies: the VU's jar keeps what servers set and sends it back; jar.set, cookiesForURL, delete, clear; params cookies", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
const B = __ENV.BASE;
const cookie = (r) => r.json().headers.cookie ?? "";
export default async function () {
  const set = await http.get(B + "/set-cookie?v=abc");
  check(set, { "response cookies": (r) => r.cookies.session[0].value === "abc" && r.cookies.session[0].path === "/" && r.cookies.scoped[0].path === "/only" });
  check(await http.get(B + "/echo"), { "sent back, path-scoped and expired ones left out": (r) => cookie(r) === "session=abc" });
  const jar = http.cookieJar();
  check(jar, { "cookiesForURL": (j) => JSON.stringify(j.cookiesForURL(B + "/only/x")) === JSON.stringify({ scoped: ["yes"], session: ["abc"] }) });
  jar.set(B, "extra", "1");
  check(await http.get(B + "/echo"), { "jar.set adds one": (r) => cookie(r) === "session=abc; extra=1" });
  check(await http.get(B + "/echo", { cookies: { extra: { value: "2", replace: true }, p: "q" } }), { "params cookies add and replace": (r) => cookie(r) === "extra=2; p=q; session=abc" });
  check(await http.get(B + "/echo", { jar: null }), { "jar: null sends none": (r) => cookie(r) === "" });
  const own = new http.CookieJar();
  check(await http.get(B + "/echo", { jar: own }), { "a new jar starts empty": (r) => cookie(r) === "" });
  await http.get(B + "/set-cookie?v=own", { jar: own });
  check(own, { "it keeps its own": (j) => j.cookiesForURL(B).session[0] === "own" && jar.cookiesForURL(B).session[0] === "abc" });
  jar.delete(B, "extra");
  check(await http.get(B + "/echo"), { "delete": (r) => cookie(r) === "session=abc" });
  jar.clear(B);
  check(await http.get(B + "/echo"), { "clear": (r) => cookie(r) === "" });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 10);
});

test("each VU has its own jar", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import exec from "loadgen/execution";
import { check } from "loadgen";
export const options = { scenarios: { s: { executor: "per-vu-iterations", vus: 2, iterations: 2 } } };
export default async function () {
  const me = "vu" + exec.vu.idInTest;
  if (exec.vu.iterationInScenario === 0) await http.get(__ENV.BASE + "/set-cookie?v=" + me);
  else check(await http.get(__ENV.BASE + "/echo"), { "only its own cookie": (r) => r.json().headers.cookie === "session=" + me });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 2);
});

test("a response's body and headers are read within its iteration; later reads fail clearly, status stays", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
let kept;
let text;
export const options = { iterations: 2 };
export default async function () {
  if (kept === undefined) {
    kept = await http.get(__ENV.BASE + "/hello");
    text = await http.get(__ENV.BASE + "/hello", { responseType: "text" });
    return;
  }
  let message = "";
  try { void kept.body; } catch (e) { message = String(e.message); }
  check(kept, { "status survives": (r) => r.status === 200, "body is gone, saying why": () => /iteration that made the request/.test(message) });
  check(text, { "responseType text keeps it": (r) => r.body === "hello /hello" });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 3);
});

test("bad arguments reject with a clear error; transport failures resolve unless throw is set", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
import { check } from "loadgen";
export const options = { throw: true };
export default async function () {
  const msg = async (f) => { try { await f(); return ""; } catch (e) { return e.name + ": " + e.message + " " + (e.error_code ?? ""); } };
  check(await msg(() => http.get("not a url")), { "invalid URL": (m) => /invalid URL "not a url"/.test(m) });
  check(await msg(() => http.get("ftp://127.0.0.1/")), { "only http(s)": (m) => /only http/.test(m) });
  check(await msg(() => http.request("BREW", __ENV.BASE)), { "unknown method": (m) => /unknown HTTP method "BREW"/.test(m) });
  check(await msg(() => http.get(__ENV.BASE + "/x", { responseType: "json" })), { "bad responseType": (m) => /params.responseType/.test(m) });
  check(await msg(() => http.get("http://127.0.0.1:1/")), { "throw: HttpError with k6's code": (m) => /^HttpError: dial: connection refused 1212$/.test(m) });
  check(await msg(() => http.get(__ENV.BASE + "/status/500")), { "an error status does not throw": (m) => m === "" });
}
`, { env: env() });
  assert.is(o.exitCode, 0, why(o));
  assert.equal(failedChecks(o), []);
  assert.is(checksRun(o), 6);
});

test("bad options fail the run before it starts, naming the field", async () => {
  const o = await runHttp(`
import http from "loadgen/http";
export const options = { maxRedirects: -1, http: { ca: "nope", colour: 1 }, tlsAuth: [{ cert: "x" }] };
export default async function () { await http.get("http://127.0.0.1:1/"); }
`);
  assert.is(o.exitCode, 104, why(o));
  for (const field of ["maxRedirects", "http.ca", "http.colour", "tlsAuth[0].cert", "tlsAuth[0].key"]) assert.match(o.error!, field);
});

test.run();
