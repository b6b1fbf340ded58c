// kperf's connection model on undici: `conns` long-lived connections to one origin (the API server), requests spread
// over them round-robin. With HTTP/2 each connection is one undici Client multiplexing streams; over HTTP/1.1 each "conn" is a
// Pool (Go's transport opens more sockets per rest client as needed, and so does a Pool), capped at
// ceil(clients / conns) sockets when `clients` is set.
// With `guard`, every connection goes through the guarded connector (its destination judged after DNS, its connect and
// handshake timed); with `negotiate`, a server whose protocol is not known in advance gets one Pool that offers HTTP/2
// and multiplexes on the connections that negotiate it, HTTP/1.1 sockets as needed otherwise.
import type { Socket } from "node:net";
import { Client, Pool, type Dispatcher } from "undici";
import type { AddressPolicy } from "./address-rules.ts";
import { guardedConnector, ObservedClient, ObservedConnection } from "./guarded-connector.ts";
import { ObservedPool } from "./observed-pool.ts";

/** The TLS settings undici needs to connect (`connect` option). */
export interface TlsConnectOptions {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ConnectionPoolOptions {
  /** Long-lived connections (kperf `conns`); at least 1. */
  readonly conns: number;
  /** Concurrent requesters (kperf `client`); caps HTTP/1.1 sockets per connection slot. 0 = no cap. */
  readonly clients: number;
  /** Negotiate HTTP/2 through ALPN (kperf's default; `disableHTTP2` turns it off). Plain http:// stays HTTP/1.1. */
  readonly http2: boolean;
  readonly tls: TlsConnectOptions;
  /** Judge every connection's destination with this policy and time its connect (guarded-connector.ts). */
  readonly guard?: { readonly policy: AddressPolicy | undefined; readonly connectTimeoutMs?: number };
  /**
   * One Pool offering HTTP/2 (with `http2`, over TLS): a connection that negotiates h2 carries many streams, one that
   * does not carries one request at a time, and more are opened as needed. `conns` is then ignored.
   */
  readonly negotiate?: boolean;
}

/** Concurrent streams on one HTTP/2 connection (the API server allows far more than undici's default of 100). */
const H2_STREAMS = 1000;

/** The dispatchers of one run. */
export class ConnectionPool {
  readonly #slots: Dispatcher[];
  #next = 0;
  readonly #origin: string;
  readonly #connect: TlsConnectOptions;
  #h1: Dispatcher | undefined;

  readonly #guard: ConnectionPoolOptions["guard"];

  constructor(origin: string, o: ConnectionPoolOptions) {
    const conns = Math.max(1, Math.floor(o.conns));
    const connect = { ...o.tls };
    this.#origin = origin;
    this.#connect = connect;
    this.#guard = o.guard;
    const h2 = o.http2 && origin.startsWith("https:");
    this.#slots = [];
    if (o.negotiate === true) {
      this.#slots.push(this.#pool(o.clients > 0 ? o.clients : null, h2));
      return;
    }
    for (let i = 0; i < conns; i++) {
      if (h2) {
        // `pipelining` is what caps concurrent requests on an undici Client, HTTP/2 streams included (it defaults to 1);
        // the API server allows far more concurrent streams than undici's default of 100 per connection.
        this.#slots.push(this.#client({ allowH2: true, maxConcurrentStreams: H2_STREAMS, pipelining: H2_STREAMS }));
      } else {
        const perSlot = o.clients > 0 ? Math.max(1, Math.ceil(o.clients / conns)) : null;
        this.#slots.push(this.#pool(perSlot, false));
      }
    }
  }

  /** A Client on this origin (guarded when the pool is). */
  #client(options: Client.Options): Client {
    const guard = this.#guard;
    if (guard === undefined) return new Client(this.#origin, { ...options, connect: this.#connect });
    return this.#observed(options, guard);
  }

  #observed(options: Client.Options, guard: NonNullable<ConnectionPoolOptions["guard"]>): ObservedClient {
    const observed = new ObservedConnection();
    observed.capacity = options.pipelining ?? 1;
    let client: ObservedClient | undefined;
    // A connection that negotiated h2 takes many streams; the Client starts at one request at a time (HTTP/1.1's).
    const onConnected = options.allowH2 === true && options.pipelining === 1
      ? (s: Socket) => {
          if ((s as { alpnProtocol?: string }).alpnProtocol === "h2" && client !== undefined) {
            client.pipelining = H2_STREAMS;
            observed.capacity = H2_STREAMS;
          }
        }
      : undefined;
    const connect = guardedConnector({ ...this.#connect, allowH2: options.allowH2 === true, timeout: guard.connectTimeoutMs, policy: guard.policy }, observed, onConnected);
    client = new ObservedClient(this.#origin, { ...options, connect, observed });
    return client;
  }

  /** A pool of `connections` sockets (null: as many as requests in flight), offering h2 when `h2`. */
  #pool(connections: number | null, h2: boolean): Dispatcher {
    const guard = this.#guard;
    if (guard === undefined) return new Pool(this.#origin, { connections, connect: this.#connect, pipelining: 1, allowH2: h2 });
    const pool = new ObservedPool(() => this.#observed({ allowH2: h2, maxConcurrentStreams: H2_STREAMS, pipelining: 1 }, guard), connections ?? 0);
    return pool as unknown as Dispatcher;
  }

  /** The next connection, round-robin (kperf's `restCli[i % conns]`, per request rather than per client goroutine). */
  next(): Dispatcher {
    const slots = this.#slots;
    const d = slots[this.#next]!;
    this.#next = this.#next + 1 === slots.length ? 0 : this.#next + 1;
    return d;
  }

  /** The connection a given requester sticks to (kperf mode: client i uses connection i % conns). */
  forClient(i: number): Dispatcher {
    return this.#slots[i % this.#slots.length]!;
  }

  get size(): number {
    return this.#slots.length;
  }

  /**
   * An HTTP/1.1 pool for requests an HTTP/2 GOAWAY took down. undici 7 fails every stream in flight when a GOAWAY
   * arrives, even the one whose response the server is sending; the API server sends one after each unauthenticated
   * request (its HTTP/2 DoS mitigation), so without this a 401 would surface as a protocol error.
   */
  http1(): Dispatcher {
    this.#h1 ??= this.#pool(null, false);
    return this.#h1;
  }

  /** Closes every connection; requests in flight are aborted. */
  async close(): Promise<void> {
    await Promise.all([...this.#slots, ...(this.#h1 ? [this.#h1] : [])].map((d) => d.destroy().catch(() => {})));
  }
}
