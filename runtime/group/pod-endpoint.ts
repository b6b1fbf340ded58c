/**
 * A runner pod's end of the protocol (protocol.ts): messages as marked lines on stdout, which is the pod's log the
 * coordinator follows through the API server; commands from the group's control ConfigMap, which the runner watches
 * with its ServiceAccount (get/list/watch on that one ConfigMap is all its Role grants). The coordinator writes
 * `start` once every runner is ready and `abort` to stop them; each key is written once, so a runner that (re)reads
 * the ConfigMap at any time sees the same commands in the same order.
 * `start` carries `atMs`, a wall-clock moment a little ahead, which the runner waits for (runner.ts).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { decodeLine, encodeMessage, type CoordinatorCommand } from "./protocol.ts";
import type { RunnerEndpoint } from "./runner.ts";

/** The order commands are delivered in, whatever order the ConfigMap's keys come in. */
const COMMAND_KEYS = ["start", "abort"] as const;

export interface PodEndpointOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The control ConfigMap's name. */
  readonly control: string;
  readonly log: (line: string) => void;
  /** Where messages go (stdout). */
  readonly write: (text: string) => void;
}

/** The endpoint; it watches the control ConfigMap until `close()`. */
export async function podEndpoint(o: PodEndpointOptions): Promise<RunnerEndpoint & { close(): void }> {
  const { CoreV1Api, Watch } = await import("@kubernetes/client-node");
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const delivered = new Set<string>();
  const queued: CoordinatorCommand[] = [];
  const waiting: Array<(c: CoordinatorCommand) => void> = [];
  let closed = false;
  let watch: AbortController | undefined;

  const deliver = (c: CoordinatorCommand) => {
    const w = waiting.shift();
    if (w) w(c);
    else queued.push(c);
  };
  const take = (data: Record<string, string> | undefined) => {
    for (const key of COMMAND_KEYS) {
      if (delivered.has(key) || data?.[key] === undefined) continue;
      // `abort` is only meaningful after `start` (a runner that is told to abort before it started stops anyway).
      let command: CoordinatorCommand | undefined;
      try {
        command = decodeLine<CoordinatorCommand>(data[key]!);
      } catch (e) {
        o.log(`ERROR control ConfigMap ${o.control}, key ${key}: ${(e as Error).message}`);
      }
      delivered.add(key);
      if (command !== undefined) deliver(command);
    }
  };

  // A watch ends now and then (the server's timeout, a restart): read the ConfigMap again, then watch from there.
  const follow = async (): Promise<void> => {
    while (!closed) {
      let resourceVersion: string | undefined;
      try {
        const cm = await core.readNamespacedConfigMap({ namespace: o.namespace, name: o.control });
        take(cm.data);
        resourceVersion = cm.metadata?.resourceVersion;
      } catch (e) {
        o.log(`WARN  reading the control ConfigMap ${o.namespace}/${o.control}: ${(e as Error).message}; trying again`);
        await sleep(1000);
        continue;
      }
      await new Promise<void>((resolve) => {
        new Watch(o.kubeConfig)
          .watch(`/api/v1/namespaces/${o.namespace}/configmaps`, { fieldSelector: `metadata.name=${o.control}`, resourceVersion, allowWatchBookmarks: true },
            (type, obj) => {
              if (type === "ADDED" || type === "MODIFIED") take(obj?.data);
            },
            () => resolve())
          .then((c) => {
            watch = c;
            if (closed) c.abort();
          }, () => resolve());
      });
      if (!closed) await sleep(200);
    }
  };
  void follow();

  return {
    send(message) {
      o.write(encodeMessage(message));
    },
    nextCommand() {
      if (queued.length) return Promise.resolve(queued.shift());
      return new Promise<CoordinatorCommand>((resolve) => waiting.push(resolve));
    },
    close() {
      closed = true;
      watch?.abort();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
