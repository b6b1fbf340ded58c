// A cookie jar with RFC 6265's storage model (§5.3) and sending rules (§5.4: domain and path match, Secure only over
// https, expiry), as Go's net/http/cookiejar keeps k6's. Set-Cookie lines are parsed by undici's parser (the same one
// its fetch uses); the jar itself is this small file because undici has none and Node ships none. No public-suffix
// list: a scenario's cookies come from the servers it tests, and a jar belongs to one VU.
import { parseCookie } from "undici";

/** A stored cookie. */
export interface Cookie {
  readonly name: string;
  readonly value: string;
  /** The domain it is sent to (without a leading dot). */
  readonly domain: string;
  /** Sent to `domain` only, not its subdomains (no Domain attribute was given). */
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** Epoch ms, or Infinity for a session cookie. */
  readonly expiresAt: number;
}

/** Attributes of a cookie set by a scenario (k6's jar.set options). */
export interface CookieAttributes {
  readonly domain?: string;
  readonly path?: string;
  readonly expires?: string;
  readonly maxAge?: number;
  readonly secure?: boolean;
  readonly httpOnly?: boolean;
}

/** What a request's URL contributes to cookie matching. */
export interface CookieTarget {
  readonly host: string;
  readonly path: string;
  readonly secure: boolean;
}

/** The parts of `url` cookie matching uses. */
export function cookieTarget(url: URL): CookieTarget {
  return { host: url.hostname.toLowerCase().replace(/^\[|\]$/g, ""), path: url.pathname || "/", secure: url.protocol === "https:" };
}

export class CookieJar {
  /** Cookies by domain; each list holds one cookie per (name, path). */
  readonly #byDomain = new Map<string, Cookie[]>();
  #count = 0;

  /** No cookie stored: requests skip the jar entirely. */
  get empty(): boolean {
    return this.#count === 0;
  }

  /** Stores a Set-Cookie line received from `target`; ignores one that is malformed or for another domain. */
  storeSetCookie(target: CookieTarget, line: string, now = Date.now()): void {
    const c = parseCookie(line);
    if (c === null) return;
    this.set(target, c.name, c.value, { domain: c.domain, path: c.path, maxAge: c.maxAge, expires: c.expires === undefined ? undefined : new Date(c.expires).toUTCString(), secure: c.secure, httpOnly: c.httpOnly }, now);
  }

  /** Stores (or, when expired, removes) a cookie as if `target` had set it (RFC 6265 §5.3). */
  set(target: CookieTarget, name: string, value: string, a: CookieAttributes = {}, now = Date.now()): void {
    let domain = target.host;
    let hostOnly = true;
    if (a.domain !== undefined && a.domain !== "") {
      const d = a.domain.toLowerCase().replace(/^\./, "");
      if (!domainMatch(target.host, d)) return;
      domain = d;
      hostOnly = false;
    }
    const path = a.path !== undefined && a.path.startsWith("/") ? a.path : defaultPath(target.path);
    let expiresAt = Infinity;
    if (a.maxAge !== undefined) expiresAt = a.maxAge <= 0 ? 0 : now + a.maxAge * 1000;
    else if (a.expires !== undefined && a.expires !== "") {
      const t = Date.parse(a.expires);
      if (!Number.isNaN(t)) expiresAt = t;
    }
    const list = this.#byDomain.get(domain) ?? [];
    const at = list.findIndex((c) => c.name === name && c.path === path);
    if (at >= 0) {
      list.splice(at, 1);
      this.#count--;
    }
    if (expiresAt <= now) {
      if (list.length === 0) this.#byDomain.delete(domain);
      return;
    }
    list.push({ name, value, domain, hostOnly, path, secure: a.secure === true, httpOnly: a.httpOnly === true, expiresAt });
    this.#count++;
    this.#byDomain.set(domain, list);
  }

  /** The cookies to send to `target`, longest path first (RFC 6265 §5.4); expired ones are dropped on the way. */
  cookiesFor(target: CookieTarget, now = Date.now()): Cookie[] {
    const out: Cookie[] = [];
    if (this.#count === 0) return out;
    for (const d of domainsOf(target.host)) {
      const list = this.#byDomain.get(d);
      if (list === undefined) continue;
      let expired = false;
      for (const c of list) {
        if (c.expiresAt <= now) {
          expired = true;
          continue;
        }
        if (c.hostOnly && d !== target.host) continue;
        if (c.secure && !target.secure) continue;
        if (!pathMatch(target.path, c.path)) continue;
        out.push(c);
      }
      if (expired) {
        const kept = list.filter((c) => c.expiresAt > now);
        this.#count -= list.length - kept.length;
        if (kept.length === 0) this.#byDomain.delete(d);
        else this.#byDomain.set(d, kept);
      }
    }
    // Longest path first; among equal paths, the earliest set first (a stable sort keeps the order they were stored in).
    return out.sort((a, b) => b.path.length - a.path.length);
  }

  /** The Cookie header for `target`, or undefined when there is none. */
  header(target: CookieTarget): string | undefined {
    if (this.#count === 0) return undefined;
    const list = this.cookiesFor(target);
    if (list.length === 0) return undefined;
    let s = "";
    for (const c of list) s += (s === "" ? "" : "; ") + c.name + "=" + c.value;
    return s;
  }

  /** Removes the cookies that would be sent to `target` (all of them, or those named `name`). */
  remove(target: CookieTarget, name?: string): void {
    for (const c of this.cookiesFor(target)) {
      if (name !== undefined && c.name !== name) continue;
      const list = this.#byDomain.get(c.domain)!;
      list.splice(list.indexOf(c), 1);
      this.#count--;
      if (list.length === 0) this.#byDomain.delete(c.domain);
    }
  }
}

/** `host` and each parent domain (a.b.c → a.b.c, b.c, c); an IP address only as itself. */
function domainsOf(host: string): string[] {
  if (/^[\d.]+$/.test(host) || host.includes(":")) return [host];
  const out = [host];
  for (let i = host.indexOf("."); i >= 0; i = host.indexOf(".", i + 1)) out.push(host.slice(i + 1));
  return out;
}

/** RFC 6265 §5.1.3. */
function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith("." + domain) && !/^[\d.]+$/.test(host) && !host.includes(":");
}

/** RFC 6265 §5.1.4. */
function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** RFC 6265 §5.1.4's default-path: the request path up to its last `/`. */
function defaultPath(p: string): string {
  if (!p.startsWith("/")) return "/";
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
