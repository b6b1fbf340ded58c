// The API servers a run's credentials are for, without authenticating (no exec plugin runs, no token is read): the
// server of the kubeconfig context kubectl's order picks (--kubeconfig, KUBECONFIG, ~/.kube/config, --context), the
// in-cluster service (KUBERNETES_SERVICE_HOST/PORT) and the local cluster when it runs. loadgen/http refuses them.
// Read with js-yaml rather than @kubernetes/client-node: only server URLs are needed, and the client library takes a
// second to load in runs that otherwise never use it.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import type { ClusterFlags, LocalClusterInfo } from "./cluster-access.ts";

/** An API server URL and where it was found. */
export interface ApiServerUrl {
  readonly url: URL;
  readonly source: string;
}

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: Array<{ name?: string; context?: { cluster?: string } }>;
  clusters?: Array<{ name?: string; cluster?: { server?: string } }>;
}

/**
 * The API servers of the run's cluster access. Unreadable or malformed kubeconfig files are skipped (`warn` says so):
 * the run itself reports them if it uses a cluster.
 */
export function apiServerUrls(flags: ClusterFlags, local: LocalClusterInfo | undefined, warn: (line: string) => void, env: NodeJS.ProcessEnv = process.env): ApiServerUrl[] {
  const out: ApiServerUrl[] = [];
  const add = (server: string | undefined, source: string) => {
    if (!server) return;
    try {
      out.push({ url: new URL(server), source });
    } catch {
      warn(`loadgen/http: ${source}: the server "${server}" is not a URL`);
    }
  };
  let files: string[] = [];
  if (flags.kubeconfig) files = [flags.kubeconfig];
  else if (env.KUBECONFIG) files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
  else if (existsSync(path.join(homedir(), ".kube", "config"))) files = [path.join(homedir(), ".kube", "config")];
  const docs: Array<{ file: string; doc: KubeconfigFile }> = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const doc = yaml.load(readFileSync(file, "utf8"));
      if (doc !== null && typeof doc === "object") docs.push({ file, doc: doc as KubeconfigFile });
    } catch (e) {
      warn(`loadgen/http: cannot read kubeconfig ${file} to refuse its API server: ${(e as Error).message}`);
    }
  }
  // kubectl's merge: the first file to set a value wins.
  const contextName = flags.context ?? docs.map((d) => d.doc["current-context"]).find((c) => typeof c === "string" && c !== "");
  if (contextName !== undefined) {
    const context = docs.flatMap((d) => d.doc.contexts ?? []).find((c) => c?.name === contextName);
    const clusterName = context?.context?.cluster;
    const cluster = docs.flatMap((d) => d.doc.clusters ?? []).find((c) => c?.name === clusterName);
    add(cluster?.cluster?.server, `kubeconfig context ${contextName}`);
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    const host = env.KUBERNETES_SERVICE_HOST.includes(":") ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
    add(`https://${host}:${env.KUBERNETES_SERVICE_PORT || "443"}`, "in-cluster service (KUBERNETES_SERVICE_HOST)");
  }
  if (local !== undefined) add(local.server, "the local loadgen cluster");
  return out;
}

/** A URL's port, or its scheme's default. */
export function urlPort(u: URL): number {
  return u.port !== "" ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
}
