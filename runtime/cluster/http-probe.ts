// Minimal HTTP(S) requests against the cluster's own loopback endpoints
// (health checks, applying manifests), so start-up does not depend on a
// Kubernetes client library.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface ProbeOptions {
  method?: string;
  /** PEM CA to verify the server with; without it TLS is not verified (self-signed component endpoints). */
  ca?: string | Buffer;
  token?: string;
  body?: string;
  contentType?: string;
  timeoutMs?: number;
}

export interface ProbeResult {
  status: number;
  body: string;
}

export function probe(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const u = new URL(url);
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) {
    headers["content-type"] = opts.contentType ?? "application/json";
    headers["content-length"] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      {
        method: opts.method ?? "GET",
        headers,
        timeout: opts.timeoutMs ?? 5000,
        ...(u.protocol === "https:" ? { ca: opts.ca, rejectUnauthorized: opts.ca !== undefined } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
