// `loadgen wait-for URL`, what `loadgen job --wait-for` runs as its init container: it polls until the URL answers
// 2xx and exits 0, says each distinct answer once while it waits, and gives up with exit 1 after its timeout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "../fixtures/run-scenario.ts";

test("polls until the URL answers 2xx, saying each distinct answer once", async () => {
  let polls = 0;
  const server = createServer((req, res) => {
    polls++;
    res.statusCode = polls < 4 ? 503 : 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  try {
    const r = await runCli(["wait-for", url, "--interval", "50ms"]);
    assert.is(r.exitCode, 0, r.stderr);
    assert.is(polls, 4);
    assert.is(r.stdout.split("\n").filter((l) => l.includes("HTTP 503")).length, 1, r.stdout);
    assert.match(r.stdout, `${url} answered 200`);
    assert.match(r.stdout, "(4 tries)");
  } finally {
    server.close();
  }
});

test("gives up after --timeout with exit 1, naming the URL and its last answer", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const r = await runCli(["wait-for", `http://127.0.0.1:${port}/health`, "--interval", "50ms", "--timeout", "300ms"]);
  assert.is(r.exitCode, 1);
  assert.match(r.stderr, `http://127.0.0.1:${port}/health did not answer 2xx within 0.3 s (last: ECONNREFUSED)`);
});

test("a URL that is not http(s) is refused at once", async () => {
  const r = await runCli(["wait-for", "consumer:8000"]);
  assert.is(r.exitCode, 1);
  assert.match(r.stderr, "is not an http:// or https:// URL");
});

test.run();
