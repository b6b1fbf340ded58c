// One kperf request ready to send, shared by the weighted builders (runner.ts) and the time-series ones
// (exact-request.ts), and the resource info kperf builds its URLs from.
import type { ResourceInfo } from "../kube/discovery.ts";
import type { Endpoint, SendOptions } from "../kube/transport.ts";
import type { Gvr } from "./profile.ts";

export interface Built {
  readonly endpoint: Endpoint;
  readonly path: string;
  readonly send: SendOptions;
  /** Called with the outcome, for kinds that keep state (put, postDel). */
  after?(ok: boolean, error: unknown): void;
}

/** A ResourceInfo from a kperf GVR (no discovery: kperf builds the URL from the GVR and the namespace alone). */
export function infoOf(g: Gvr, namespaced: boolean, kind = ""): ResourceInfo {
  return {
    group: g.group,
    version: g.version,
    resource: g.resource,
    kind,
    singular: "",
    shortNames: [],
    namespaced,
    verbs: [],
    basePath: g.group === "" ? `/api/${g.version}` : `/apis/${g.group}/${g.version}`,
  };
}
