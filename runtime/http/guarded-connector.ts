// undici's connector with two additions: the destination is judged (address-rules.ts) on what the connection really
// goes to — the hostname, then the addresses it resolves to, the socket being opened to the very address that was
// judged, so a DNS answer cannot change between the check and the connect — and each new connection's TCP connect
// and TLS handshake are timed for the first request that uses it (k6's http_req_connecting/tls_handshaking).
import { lookup } from "node:dns/promises";
import { isIP, type Socket } from "node:net";
import { buildConnector, Client, type Dispatcher } from "undici";
import { RefusedConnectionError, type AddressPolicy } from "./address-rules.ts";

/** What one undici Client's current connection told about itself, read by the exchanges it carries. */
export class ObservedConnection {
  /** TCP connect time of a connection no request has used yet (ms); undefined once the first request took it. */
  connectingMs: number | undefined;
  /** Its TLS handshake time (ms; 0 over plain TCP). */
  tlsMs = 0;
  /** `HTTP/2.0` when ALPN chose h2, else `HTTP/1.1`. */
  protocol = "HTTP/1.1";
  /** Requests dispatched to the Client and not yet ended (counted by ConnectionAware handlers). */
  inFlight = 0;
  /** Requests it takes at once: 1 over HTTP/1.1, the stream limit once h2 is negotiated. */
  capacity = 1;
}

/**
 * What a handler must have for an ObservedClient to tell it which connection carries it. It must decrement the
 * connection's `inFlight` once when it ends (complete or error).
 */
export interface ConnectionAware {
  connection: ObservedConnection | undefined;
}

/** An undici Client that hands each request's handler its ObservedConnection before dispatching it. */
export class ObservedClient extends Client {
  readonly observed: ObservedConnection;

  constructor(origin: string | URL, options: Client.Options & { observed: ObservedConnection }) {
    const { observed, ...rest } = options;
    super(origin, rest);
    this.observed = observed;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as Partial<ConnectionAware>;
    if ("connection" in h) {
      h.connection = this.observed;
      this.observed.inFlight++;
    }
    return super.dispatch(options, handler);
  }
}

/** The TLS and connect settings of a guarded connector (undici's buildConnector options). */
export type GuardedConnectorOptions = buildConnector.BuildOptions & { readonly policy: AddressPolicy | undefined };

type ConnectOptions = buildConnector.Options;
type Callback = buildConnector.Callback;

/**
 * A connector for one Client: resolves the hostname itself, asks `policy` about the name and every address, connects
 * to the first allowed address (TLS still verifies and sends SNI for the name), and records the connection's timings in
 * `observed`. `onConnected` runs with the socket before undici sees it (e.g. to raise HTTP/2 concurrency).
 */
export function guardedConnector(o: GuardedConnectorOptions, observed: ObservedConnection, onConnected?: (socket: Socket) => void): buildConnector.connector {
  const { policy, ...build } = o;
  const base = buildConnector(build);
  return (opts: ConnectOptions, callback: Callback): void => {
    const hostname = opts.hostname;
    const port = Number(opts.port) || (opts.protocol === "https:" ? 443 : 80);
    const refused = policy?.hostname(hostname, port);
    if (refused !== undefined) return void callback(new RefusedConnectionError(refused), null);
    const connect = (address: string): void => {
      const started = performance.now();
      let tcpAt = 0;
      // `host` keeps the name for SNI and certificate checks (undici derives the servername from it).
      const socket = base({ ...opts, hostname: address }, (err, s) => {
        if (err !== null || s === null) return callback(err ?? new Error("connect failed"), null);
        const now = performance.now();
        if (tcpAt === 0) tcpAt = now;
        observed.connectingMs = tcpAt - started;
        observed.tlsMs = now - tcpAt;
        observed.protocol = (s as { alpnProtocol?: string }).alpnProtocol === "h2" ? "HTTP/2.0" : "HTTP/1.1";
        onConnected?.(s as Socket);
        callback(null, s);
      }) as unknown as Socket;
      socket.once("connect", () => {
        tcpAt = performance.now();
      });
    };
    if (isIP(hostname) !== 0) {
      const r = policy?.address(hostname, port, hostname);
      if (r !== undefined) return void callback(new RefusedConnectionError(r), null);
      return connect(hostname);
    }
    lookup(hostname, { all: true }).then(
      (addresses) => {
        let first: RefusedConnectionError | undefined;
        for (const { address } of addresses) {
          const r = policy?.address(address, port, hostname);
          if (r === undefined) return connect(address);
          first ??= new RefusedConnectionError(r);
        }
        callback(first ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), null);
      },
      (err: Error) => callback(err, null),
    );
  };
}
