// Loopback ports for the cluster's listeners. By default every port is one
// the kernel hands out as free, so the cluster never clashes with another
// service (or another loadgen cluster); a user-chosen apiserver port is
// checked up front so "port in use" is reported before anything starts.
import { createServer, type Server } from "node:net";

export const LOOPBACK = "127.0.0.1";

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly purpose: string,
  ) {
    super(`port ${port} on ${LOOPBACK} (wanted for ${purpose}) is already in use; pick another with --port or free it`);
    this.name = "PortInUseError";
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** True when nothing listens on 127.0.0.1:port. */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks one free port per name. `fixed` ports are checked and kept; the rest
 * come from the kernel. All listeners are held open until every port is
 * chosen, so no two names get the same port.
 */
export async function pickPorts<K extends string>(names: readonly K[], fixed: Partial<Record<K, number>> = {}): Promise<Record<K, number>> {
  const held: Server[] = [];
  const ports = {} as Record<K, number>;
  try {
    for (const name of names) {
      const wanted = fixed[name];
      let server: Server;
      try {
        server = await listen(wanted ?? 0);
      } catch {
        throw new PortInUseError(wanted ?? 0, name);
      }
      held.push(server);
      const addr = server.address();
      ports[name] = typeof addr === "object" && addr ? addr.port : 0;
    }
  } finally {
    await Promise.all(held.map(close));
  }
  return ports;
}
