// Local servers for the loadgen/http tests, on 127.0.0.0/8 only: each counts what it was sent (requests by path,
// connections, body bytes it wrote), an observer independent of loadgen's metrics. Routes misbehave on purpose.
import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generatePki } from "../../runtime/cluster/pki.ts";

/** What a server saw. */
export class Observer {
  /** Requests by "METHOD /path" (query left out). */
  readonly requests = new Map<string, number>();
  /** Every request's headers, in order. */
  readonly headers: http.IncomingHttpHeaders[] = [];
  /** Request bodies, in order. */
  readonly bodies: Buffer[] = [];
  connections = 0;
  /** Response body bytes written. */
  bodyBytes = 0;

  count(key: string): number {
    return this.requests.get(key) ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const v of this.requests.values()) n += v;
    return n;
  }
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly seen: Observer;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse, body: Buffer, seen: Observer) => void;

/** The routes every test server answers. */
export const routes: Handler = (req, res, body, seen) => {
  const u = new URL(req.url ?? "/", "http://x");
  const write = (status: number, text: string | Buffer, headers: Record<string, string | string[]> = {}) => {
    if (res.destroyed) return; // the client gave up (a timeout test)
    res.writeHead(status, { "content-type": "text/plain", ...headers });
    const b = typeof text === "string" ? Buffer.from(text) : text;
    seen.bodyBytes += b.length;
    (res as http.ServerResponse).end(b);
  };
  const p = u.pathname;
  if (p === "/echo") {
    return write(200, JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString("latin1") }), { "content-type": "application/json" });
  }
  if (p.startsWith("/status/")) return write(Number(p.slice(8)), `status ${p.slice(8)}`);
  if (p.startsWith("/items/")) return write(200, `item ${p.slice(7)}`);
  if (p === "/json") return write(200, JSON.stringify({ items: [{ id: 7, name: "a" }, { id: 8 }], ok: true }), { "content-type": "application/json" });
  if (p === "/binary") return write(200, Buffer.from([0, 1, 2, 250, 255]), { "content-type": "application/octet-stream" });
  if (p === "/slow") return void setTimeout(() => write(200, "late"), Number(u.searchParams.get("ms") ?? 3000));
  if (p === "/reset") return void (req.socket as Socket).resetAndDestroy();
  if (p === "/huge") {
    const total = Number(u.searchParams.get("bytes") ?? 8 << 20);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
    const chunk = Buffer.alloc(64 << 10, 97);
    let left = total;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        seen.bodyBytes += n;
        if (!(res as http.ServerResponse).write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once("drain", pump);
      }
      (res as http.ServerResponse).end();
    };
    return pump();
  }
  if (p === "/redirect") {
    // ?to=URL (absolute or relative), ?status=302
    return write(Number(u.searchParams.get("status") ?? 302), "", { location: u.searchParams.get("to") ?? "/echo" });
  }
  if (p === "/loop") return write(302, "", { location: `/loop?n=${Number(u.searchParams.get("n") ?? 0) + 1}` });
  if (p === "/set-cookie") {
    return write(200, "set", { "set-cookie": [`session=${u.searchParams.get("v") ?? "s1"}; Path=/`, "scoped=yes; Path=/only", "gone=1; Path=/; Max-Age=0"] });
  }
  return write(200, `hello ${p}`);
};

function observe(seen: Observer, handler: Handler) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`;
      seen.requests.set(key, (seen.requests.get(key) ?? 0) + 1);
      seen.headers.push(req.headers);
      const body = Buffer.concat(chunks);
      seen.bodies.push(body);
      handler(req, res, body, seen);
    });
  };
}

async function listen(server: http.Server | https.Server | http2.Http2SecureServer, host: string, scheme: string, seen: Observer): Promise<TestServer> {
  server.on(scheme === "https" ? "secureConnection" : "connection", () => seen.connections++);
  server.listen(0, host);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    url: `${scheme}://${host}:${port}`,
    port,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain HTTP/1.1 server on `host` (127.0.0.1 by default). */
export function httpServer(host = "127.0.0.1", handler: Handler = routes): Promise<TestServer> {
  const seen = new Observer();
  return listen(http.createServer(observe(seen, handler)), host, "http", seen);
}

/** A certificate authority and a serving certificate for 127.0.0.1 and localhost, made for this test run. */
export interface TestPki {
  readonly caPem: string;
  readonly cert: string;
  readonly key: string;
  /** A client certificate signed by the CA (for mutual TLS). */
  readonly clientCert: string;
  readonly clientKey: string;
}

let pki: Promise<TestPki> | undefined;
/** The test PKI (openssl, as the local cluster makes its own), made once per process. */
export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    const p = await generatePki(mkdtempSync(path.join(os.tmpdir(), "loadgen-http-pki-")));
    return { caPem: readFileSync(p.caCert, "utf8"), cert: readFileSync(p.servingCert, "utf8"), key: readFileSync(p.servingKey, "utf8"), clientCert: readFileSync(p.adminCert, "utf8"), clientKey: readFileSync(p.adminKey, "utf8") };
  })();
  return pki;
}

/** An HTTPS (HTTP/1.1 only) server with the test PKI's certificate; `requireClientCert`: mutual TLS. */
export async function httpsServer(host = "127.0.0.1", o: { requireClientCert?: boolean } = {}): Promise<TestServer> {
  const p = await testPki();
  const seen = new Observer();
  const server = https.createServer({ cert: p.cert, key: p.key, ca: p.caPem, requestCert: o.requireClientCert === true, rejectUnauthorized: o.requireClientCert === true }, observe(seen, routes));
  return listen(server, host, "https", seen);
}

/** An HTTP/2 server (TLS, ALPN h2, HTTP/1.1 allowed) with the test PKI's certificate. */
export async function http2Server(host = "127.0.0.1"): Promise<TestServer & { sessions(): number }> {
  const p = await testPki();
  const seen = new Observer();
  const server = http2.createSecureServer({ cert: p.cert, key: p.key, allowHTTP1: true }, observe(seen, routes));
  let sessions = 0;
  server.on("session", () => sessions++);
  const s = await listen(server, host, "https", seen);
  return { ...s, sessions: () => sessions };
}

/** A TCP listener that accepts connections and never answers (to see whether anything connects). */
export async function silentListener(host = "127.0.0.1"): Promise<TestServer> {
  const seen = new Observer();
  const server = http.createServer(() => {});
  return listen(server, host, "http", seen);
}
