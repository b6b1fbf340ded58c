// Connections to one origin, each request sent on the first connection with room (its exchanges in flight are
// counted by ObservedConnection), new ones opened while every connection is full, up to a cap. Why not undici's Pool:
// it learns a client is free from the client's `drain` event, which undici 7 defers a setImmediate after each answer
// (to check the idle socket first), so a requester that sends its next request at once — every VU — finds all clients
// busy and opens one more socket. Here the next request queues on the connection that just answered; undici writes it
// after that same check.
import { EventEmitter } from "node:events";
import type { Dispatcher } from "undici";
import type { ObservedClient } from "./guarded-connector.ts";

export class ObservedPool extends EventEmitter {
  readonly #clients: ObservedClient[] = [];
  readonly #make: () => ObservedClient;
  readonly #max: number;

  /** `max`: connections at most (0: as many as requests in flight). */
  constructor(make: () => ObservedClient, max: number) {
    super();
    this.#make = make;
    this.#max = max > 0 ? max : Infinity;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const clients = this.#clients;
    let least: ObservedClient | undefined;
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i]!;
      const o = c.observed;
      if (o.inFlight < o.capacity) return c.dispatch(options, handler);
      if (least === undefined || o.inFlight < least.observed.inFlight) least = c;
    }
    if (clients.length < this.#max || least === undefined) {
      // A client whose socket the server closed reconnects on its next request: clients are kept, not replaced.
      const c = this.#make();
      clients.push(c);
      return c.dispatch(options, handler);
    }
    return least.dispatch(options, handler);
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close().catch(() => {})));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.destroy().catch(() => {})));
  }
}
