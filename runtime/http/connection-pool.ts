// kperf's connection model on undici: `conns` long-lived connections to one origin (the API server), requests spread
// over them round-robin. With HTTP/2 each connection is one undici Client multiplexing streams; over HTTP/1.1 each "conn" is a
// Pool (Go's transport opens more sockets per rest client as needed, and so does a Pool), capped at
// ceil(clients / conns) sockets when `clients` is set.
import { Client, Pool, type Dispatcher } from "undici";

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
}

/** The dispatchers of one run. */
export class ConnectionPool {
  readonly #slots: Dispatcher[];
  #next = 0;
  readonly #origin: string;
  readonly #connect: TlsConnectOptions;
  #h1: Pool | undefined;

  constructor(origin: string, o: ConnectionPoolOptions) {
    const conns = Math.max(1, Math.floor(o.conns));
    const connect = { ...o.tls };
    this.#origin = origin;
    this.#connect = connect;
    const h2 = o.http2 && origin.startsWith("https:");
    this.#slots = [];
    for (let i = 0; i < conns; i++) {
      if (h2) {
        // `pipelining` is what caps concurrent requests on an undici Client, HTTP/2 streams included (it defaults to 1);
        // the API server allows far more concurrent streams than undici's default of 100 per connection.
        this.#slots.push(new Client(origin, { allowH2: true, maxConcurrentStreams: 1000, pipelining: 1000, connect }));
      } else {
        const perSlot = o.clients > 0 ? Math.max(1, Math.ceil(o.clients / conns)) : null;
        this.#slots.push(new Pool(origin, { connections: perSlot, connect, pipelining: 1 }));
      }
    }
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
    this.#h1 ??= new Pool(this.#origin, { connect: this.#connect, pipelining: 1 });
    return this.#h1;
  }

  /** Closes every connection; requests in flight are aborted. */
  async close(): Promise<void> {
    await Promise.all([...this.#slots, ...(this.#h1 ? [this.#h1] : [])].map((d) => d.destroy().catch(() => {})));
  }
}
