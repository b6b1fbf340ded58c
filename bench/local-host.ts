// What a bench needs of this machine: a free loopback port, and where a Debian tool (nginx, wrk, taskset) is installed.
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

/** A TCP port free on 127.0.0.1 now (the bench's servers listen on loopback only). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The path of an installed program (Debian's nginx, wrk, taskset), looked up in the system folders. */
export function which(bin: string): string | undefined {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/bin"]) if (existsSync(path.join(dir, bin))) return path.join(dir, bin);
  return undefined;
}
