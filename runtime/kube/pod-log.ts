// A container's log through the API server (API server → kubelet), read whole or followed as it is written. loadgen's
// own requests (`loadgen job --follow`, `loadgen job result`): no samples, no rate limit.
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import { classifyError } from "../http/error-class.ts";
import type { KubeClient } from "./client.ts";
import { httpErrorFromStatus, K8sError } from "./errors.ts";

export interface PodLogOptions {
  readonly container?: string;
}

/**
 * The whole log of a container.
 * @throws {K8sError} e.g. NotFound for a pod that is gone, BadRequest for a container that has not started.
 */
export async function readPodLog(client: KubeClient, namespace: string, name: string, o: PodLogOptions = {}): Promise<string> {
  const p = client.preparePodLog(namespace, name, { container: o.container });
  return (await client.transport.internal("GET", p.pathAndQuery.slice(client.access.pathPrefix.length), { accept: "*/*" })).body;
}

/**
 * Follows a container's log from its start: each piece of text goes to `onText` as the container writes it, until the
 * container ends (the server closes the stream) or `signal` aborts.
 * @throws {K8sError} for an error answer (NotFound, BadRequest while the container waits) or a broken connection.
 */
export async function followPodLog(client: KubeClient, namespace: string, name: string, o: PodLogOptions, onText: (text: string) => void, signal?: AbortSignal): Promise<void> {
  const p = client.preparePodLog(namespace, name, { container: o.container });
  const path = p.pathAndQuery + (p.pathAndQuery.includes("?") ? "&" : "?") + "follow=true";
  const headers = await client.transport.headers("*/*", undefined);
  const what = `log of ${namespace}/${name}${o.container ? ` (${o.container})` : ""}`;
  return new Promise<void>((resolve, reject) => {
    let status = 0;
    let errorBody = "";
    let abort: ((reason?: Error) => void) | undefined;
    const decoder = new StringDecoder("utf8");
    const onAbort = () => abort?.(new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = (e?: Error) => {
      signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve();
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect: (a) => {
        abort = a;
        if (signal?.aborted) a(new Error("aborted"));
      },
      onHeaders: (code) => {
        if (code >= 200) status = code;
        return true;
      },
      onData: (chunk) => {
        if (status >= 400) errorBody += chunk.toString("utf8");
        else {
          const text = decoder.write(chunk);
          if (text) onText(text);
        }
        return true;
      },
      onComplete: () => {
        if (status >= 400) return done(httpErrorFromStatus(what, status, errorBody));
        const rest = decoder.end();
        if (rest) onText(rest);
        done();
      },
      onError: (err) => {
        if (signal?.aborted) return done();
        const cls = classifyError(err);
        done(new K8sError(`${what}: ${cls.message}`, cls.code, 0, cls));
      },
    };
    client.transport.http.stream(path, headers, handler);
  });
}
