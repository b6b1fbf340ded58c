// Where the API server is and how to authenticate to it. Everything here stays on the host: the guest never sees a
// token, a certificate or even the server's address, and requests only ever go to the origin resolved here.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { TlsConnectOptions } from "../http/connection-pool.ts";
import { K8sError } from "./errors.ts";

/** In-cluster service account files (the kubelet mounts them into every pod). */
const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** How long an Authorization header is reused before the kubeconfig's authenticator is asked again. */
const AUTH_REFRESH_MS = 30_000;

/** Cluster access as chosen on the command line (`--kubeconfig`, `--context`); KUBECONFIG etc. when unset. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/**
 * The local loadgen cluster while it runs, as far as a client needs to know: its API server and which of its
 * components run (e.g. its kwok, which keeps fake nodes Ready). Resolved by the run (runtime/execution), never by
 * this library, which does not know the local cluster.
 */
export interface LocalClusterInfo {
  readonly server: string;
  readonly running: readonly string[];
  /** Its real node, when it runs one: where loadgen's own pods (the kwok controller) run on the local cluster. */
  readonly realNode?: LocalRealNode;
}

/** The local cluster's real node, as loadgen's own pods need it (see runtime/cluster/real-node-host.ts). */
export interface LocalRealNode {
  /** The Node's name. */
  readonly name: string;
  /** Puts kwok's image (the cluster's own kwok) on the node if it is not there; resolves with its ref. */
  kwokImage(log?: (line: string) => void): Promise<string>;
  /** A loopback port free now, for a host-network pod's listener (the node's pods share the machine's ports). */
  freePort(): Promise<number>;
}

/** Resolved access to one API server. */
export interface ClusterAccess {
  /** `https://host:port`: the only origin requests go to. */
  readonly origin: string;
  /** A path prefix of the server URL (usually ""), prepended to every API path. */
  readonly pathPrefix: string;
  /** The kubeconfig context's namespace, or "default". */
  readonly defaultNamespace: string;
  /** Where the access came from, for the one line the run prints (never contains secrets). */
  readonly source: string;
  readonly tls: TlsConnectOptions;
  /** Authentication headers (Authorization, impersonation), refreshed now and then so exec plugins and token files can rotate. */
  headers(): Promise<Readonly<Record<string, string>>>;
  /** The headers if a fresh copy is at hand (the hot path's way to skip an await), else undefined. */
  cachedHeaders(): Readonly<Record<string, string>> | undefined;
  /** Forgets the cached headers (after a 401, the next request asks the authenticator again). */
  invalidate(): void;
}

/** Failure to find or read cluster access: a configuration problem, reported once and clearly. */
export class ClusterAccessError extends K8sError {
  constructor(message: string) {
    super(message, "ClusterAccess", 0, { kind: "unknown", key: "unknown/ClusterAccess", code: "ClusterAccess", message });
  }
}

class FallbackFailure {
  constructor(readonly cause: unknown) {}
}

/**
 * Loads cluster access in kubectl's order: `--kubeconfig`, then KUBECONFIG, then ~/.kube/config, then the in-cluster
 * service account. When none exists, `fallback` supplies a kubeconfig path (the run starts the local cluster).
 * @throws {ClusterAccessError} for an unreadable kubeconfig, an unknown `--context`, or a context without a cluster.
 */
export async function loadClusterAccess(
  flags: ClusterFlags,
  fallback: () => Promise<string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClusterAccess> {
  // Imported here: the client library takes most of a second to load, and a run without a cluster never needs it.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  let source: string;
  try {
    if (flags.kubeconfig) {
      kc.loadFromFile(flags.kubeconfig);
      source = `kubeconfig ${flags.kubeconfig}`;
    } else if (env.KUBECONFIG) {
      kc.loadFromDefault();
      source = `KUBECONFIG ${env.KUBECONFIG}`;
    } else if (existsSync(path.join(homedir(), ".kube", "config"))) {
      kc.loadFromFile(path.join(homedir(), ".kube", "config"));
      source = "kubeconfig ~/.kube/config";
    } else if (existsSync(SERVICE_ACCOUNT_TOKEN) && env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
      source = "in-cluster service account";
    } else {
      let file: string;
      try {
        file = await fallback();
      } catch (e) {
        // The fallback's own failure (a build that failed or was interrupted) is not a kubeconfig problem.
        throw new FallbackFailure(e);
      }
      kc.loadFromFile(file);
      source = `local cluster (${file})`;
    }
  } catch (e) {
    if (e instanceof FallbackFailure) throw e.cause;
    if (e instanceof ClusterAccessError) throw e;
    throw new ClusterAccessError(`cannot load cluster access: ${(e as Error).message}`);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name).join(", ") || "none";
      throw new ClusterAccessError(`--context ${flags.context}: no such context in the kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(flags.context);
  }
  return fromKubeConfig(kc, source);
}

/** Cluster access from a loaded KubeConfig (its current context). */
export async function fromKubeConfig(kc: KubeConfig, source: string): Promise<ClusterAccess> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterAccessError(`${source}: the current context has no cluster`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new ClusterAccessError(`${source}: the cluster's server "${cluster.server}" is not a URL`);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  // One pass through the authenticator up front: TLS material is static, and a broken exec plugin fails here, once.
  const probe: { headers?: Record<string, unknown>; ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string } = {};
  const readHeaders = async (): Promise<Record<string, string>> => {
    const opts: typeof probe = {};
    try {
      await kc.applyToHTTPSOptions(opts as never);
    } catch (e) {
      throw new ClusterAccessError(`${source}: authentication failed: ${(e as Error).message}`);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === "string") headers[k.toLowerCase()] = v;
    const user = kc.getCurrentUser();
    if (user?.username) headers.authorization = "Basic " + Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64");
    return headers;
  };
  try {
    await kc.applyToHTTPSOptions(probe as never);
  } catch (e) {
    throw new ClusterAccessError(`${source}: authentication failed: ${(e as Error).message}`);
  }
  const tls: TlsConnectOptions = {};
  if (probe.ca) tls.ca = probe.ca;
  if (probe.cert) tls.cert = probe.cert;
  if (probe.key) tls.key = probe.key;
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;

  let cached: Promise<Record<string, string>> | undefined;
  let cachedAt = 0;
  let resolved: Record<string, string> | undefined;
  return {
    origin: url.origin,
    pathPrefix: url.pathname.replace(/\/+$/, ""),
    defaultNamespace: context?.namespace || "default",
    source: `${source}, context ${kc.getCurrentContext()}, server ${url.origin}`,
    tls,
    headers() {
      const now = Date.now();
      if (cached === undefined || now - cachedAt > AUTH_REFRESH_MS) {
        cachedAt = now;
        resolved = undefined;
        const p = readHeaders();
        cached = p;
        p.then(
          (h) => {
            if (cached === p) resolved = h;
          },
          () => {
            if (cached === p) cached = undefined;
          },
        );
      }
      return cached;
    },
    cachedHeaders() {
      return resolved !== undefined && Date.now() - cachedAt <= AUTH_REFRESH_MS ? resolved : undefined;
    },
    invalidate() {
      cached = undefined;
      resolved = undefined;
    },
  };
}
