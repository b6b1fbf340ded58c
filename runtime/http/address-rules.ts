// Which destinations a connection may not reach, judged on what it actually connects to: the hostname before it is
// resolved, then each address it resolved to (with the port), so a name that resolves to a refused address is
// refused too. The guarded connector (guarded-connector.ts) asks these rules on every connection, redirects included.
// Generic: what a rule is for (a cloud's metadata service, an API server) is the caller's to say, in its reason.
import { BlockList, isIP } from "node:net";

/** Why a connection is refused: by its hostname or by an address it resolved to, and a message naming the rule. */
export interface Refusal {
  readonly kind: "hostname" | "address";
  readonly message: string;
}

/** Judges the destinations of connections. */
export interface AddressPolicy {
  /** A refusal for `hostname:port` before it is resolved, or undefined. */
  hostname(hostname: string, port: number): Refusal | undefined;
  /** A refusal for the resolved `address:port` (`hostname` is what was asked for), or undefined. */
  address(address: string, port: number, hostname: string): Refusal | undefined;
}

/** A connection refused by an AddressPolicy: `code` LOADGEN_REFUSED, `kind` says which rule. */
export class RefusedConnectionError extends Error {
  readonly code = "LOADGEN_REFUSED";
  readonly kind: Refusal["kind"];
  constructor(r: Refusal) {
    super(r.message);
    this.name = "RefusedConnectionError";
    this.kind = r.kind;
  }
}

interface Rule {
  readonly reason: string;
}

/** Hostname patterns (exact, or `*.suffix`), address ranges (CIDR) and single endpoints (host or address + port). */
export class AddressRules implements AddressPolicy {
  readonly #exact = new Map<string, Rule>();
  readonly #suffixes: Array<{ suffix: string; rule: Rule }> = [];
  readonly #ranges: Array<{ list: BlockList; port: number | undefined; rule: Rule }> = [];
  readonly #endpoints = new Map<string, Rule>();

  /**
   * Refuses a hostname: `example.com` (that name only) or `*.example.com` (every name below it, not itself), k6's
   * blockHostnames patterns; case-insensitive.
   * @throws {Error} for a pattern with a `*` anywhere but at its start.
   */
  blockHostname(pattern: string, reason: string): this {
    const p = pattern.trim().toLowerCase().replace(/\.$/, "");
    if (p.startsWith("*.") && !p.slice(2).includes("*")) this.#suffixes.push({ suffix: p.slice(1), rule: { reason } });
    else if (!p.includes("*") && p !== "") this.#exact.set(p, { reason });
    else throw new Error(`"${pattern}" is not a hostname pattern: use a name, or *.suffix`);
    return this;
  }

  /**
   * Refuses an address range: CIDR (`10.0.0.0/8`, `fe80::/10`) or one address; with `port`, only that port of it.
   * @throws {Error} for text that is neither.
   */
  blockRange(cidr: string, reason: string, port?: number): this {
    const [addr, bits, extra] = cidr.trim().split("/");
    const family = isIP(addr ?? "");
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : Number(bits);
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new Error(`"${cidr}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, fe80::/10)`);
    }
    const list = new BlockList();
    list.addSubnet(addr!, prefix, family === 6 ? "ipv6" : "ipv4");
    this.#ranges.push({ list, port, rule: { reason } });
    return this;
  }

  /** Refuses one endpoint: a hostname or an address, with its port. */
  blockEndpoint(hostOrAddress: string, port: number, reason: string): this {
    this.#endpoints.set(endpointKey(normalise(hostOrAddress), port), { reason });
    return this;
  }

  hostname(hostname: string, port: number): Refusal | undefined {
    const h = normalise(hostname);
    if (isIP(h) !== 0) return this.address(h, port, h);
    const endpoint = this.#endpoints.get(endpointKey(h, port));
    if (endpoint !== undefined) return { kind: "hostname", message: `hostname is blocked: ${hostname}:${port}: ${endpoint.reason}` };
    const exact = this.#exact.get(h);
    if (exact !== undefined) return { kind: "hostname", message: `hostname is blocked: ${hostname}: ${exact.reason}` };
    for (const { suffix, rule } of this.#suffixes) {
      if (h.endsWith(suffix)) return { kind: "hostname", message: `hostname is blocked: ${hostname} matches *${suffix}: ${rule.reason}` };
    }
    return undefined;
  }

  address(address: string, port: number, hostname: string): Refusal | undefined {
    const a = normalise(address);
    const family = isIP(a);
    if (family === 0) return undefined;
    const via = hostname !== "" && normalise(hostname) !== a ? ` (${hostname} resolved to it)` : "";
    const endpoint = this.#endpoints.get(endpointKey(a, port));
    if (endpoint !== undefined) return { kind: "address", message: `ip is blacklisted: ${display(a, family)}:${port}${via}: ${endpoint.reason}` };
    const type = family === 6 ? "ipv6" : "ipv4";
    for (const r of this.#ranges) {
      if ((r.port === undefined || r.port === port) && r.list.check(a, type)) {
        return { kind: "address", message: `ip is blacklisted: ${display(a, family)}${r.port === undefined ? "" : ":" + port}${via}: ${r.rule.reason}` };
      }
    }
    return undefined;
  }
}

/** Lower case, no brackets, no trailing dot; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is. */
function normalise(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped !== null && isIP(mapped[1]!) === 4) return mapped[1]!;
  if (isIP(h) === 6) {
    const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (hex !== null) {
      const hi = parseInt(hex[1]!, 16);
      const lo = parseInt(hex[2]!, 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return h;
}

/** An address or hostname with its port, as one key (IPv6 addresses are compared in their canonical form). */
function endpointKey(host: string, port: number): string {
  return (isIP(host) === 6 ? canonicalV6(host) : host) + "|" + port;
}

/** The canonical text of an IPv6 address (what URL's parser makes of it), so `fe80:0::1` and `fe80::1` are equal. */
function canonicalV6(a: string): string {
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a;
  }
}

function display(address: string, family: number): string {
  return family === 6 ? `[${address}]` : address;
}
