// What a VU may not reach over loadgen/http: k6's blockHostnames and blacklistIPs (options and flags alike), and
// always the cloud metadata services (they hand out the host's credentials) and the Kubernetes API servers the run's
// credentials are for (loadgen/k8s is the way there: it keeps the credentials on the host). An API server on this
// machine is refused on its port at every local address, since a listener on 0.0.0.0 answers on all of them.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { AddressRules } from "../http/address-rules.ts";

/** Link-local and metadata ranges (AWS, GCP, Azure, Oracle, DigitalOcean: 169.254.169.254; ECS: 169.254.170.2; AWS IPv6; Alibaba). */
export const METADATA_RANGES: readonly string[] = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32"];
/** Names of metadata services (GCP's resolve to 169.254.169.254 there, but a resolver may say otherwise). */
export const METADATA_HOSTNAMES: readonly string[] = ["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"];

const METADATA_REASON = "link-local and cloud metadata addresses are always refused";
const API_SERVER_REASON = "the Kubernetes API server of the run's credentials is refused to loadgen/http (use loadgen/k8s)";

/** An API server to refuse: its URL's host and port, and where it came from (for the message). */
export interface ApiServerEndpoint {
  readonly host: string;
  readonly port: number;
  readonly source: string;
}

/** What the rules are made of. */
export interface SandboxSpec {
  /** k6's blockHostnames option. */
  readonly blockHostnames: readonly string[];
  /** k6's blacklistIPs option. */
  readonly blacklistIPs: readonly string[];
  /** `--block-hostnames`. */
  readonly flagHostnames: readonly string[];
  /** `--blacklist-ip`. */
  readonly flagIPs: readonly string[];
  readonly apiServers: readonly ApiServerEndpoint[];
}

/**
 * The rules of a run. API servers named by hostname are resolved here once, and refused by name and by every address.
 * @throws {Error} for a malformed hostname pattern or range (the options were checked before; flags are checked here).
 */
export async function sandboxRules(spec: SandboxSpec): Promise<AddressRules> {
  const rules = new AddressRules();
  for (const r of METADATA_RANGES) rules.blockRange(r, METADATA_REASON);
  for (const h of METADATA_HOSTNAMES) rules.blockHostname(h, METADATA_REASON);
  for (const h of spec.blockHostnames) rules.blockHostname(h, `${h} is in the options' blockHostnames`);
  for (const r of spec.blacklistIPs) rules.blockRange(r, `${r} is in the options' blacklistIPs`);
  for (const h of spec.flagHostnames) rules.blockHostname(h, `${h} is blocked by --block-hostnames`);
  for (const r of spec.flagIPs) rules.blockRange(r, `${r} is blocked by --blacklist-ip`);
  const local = localAddresses();
  for (const api of spec.apiServers) {
    const reason = `${API_SERVER_REASON}; ${api.source}`;
    rules.blockEndpoint(api.host, api.port, reason);
    const addresses = isIP(api.host) !== 0 ? [api.host] : await lookup(api.host, { all: true }).then((a) => a.map((x) => x.address), () => []);
    for (const a of addresses) {
      rules.blockEndpoint(a, api.port, reason);
      if (local.has(a) || isLoopback(a)) {
        for (const range of ["127.0.0.0/8", "::1/128", "0.0.0.0/32", "::/128"]) rules.blockRange(range, reason, api.port);
        for (const l of local) rules.blockEndpoint(l, api.port, reason);
      }
    }
  }
  return rules;
}

/** This machine's interface addresses. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(i.address);
  return out;
}

function isLoopback(a: string): boolean {
  return a === "::1" || a.startsWith("127.") || a === "0.0.0.0" || a === "::" || a.startsWith("::ffff:127.");
}
