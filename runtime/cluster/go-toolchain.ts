// Finding the Go toolchain that builds the control-plane binaries.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export class GoToolchainMissingError extends Error {
  constructor(detail: string) {
    super(
      `Go toolchain not found (${detail}). loadgen builds etcd, kube-apiserver, kube-controller-manager, ` +
        `kube-scheduler and kwok from their Go modules on first use: install Go 1.26 or newer ` +
        `(https://go.dev/dl/) and put it on PATH, or set LOADGEN_GO=/path/to/go.`,
    );
    this.name = "GoToolchainMissingError";
  }
}

/** Path of the `go` command: $LOADGEN_GO, else `go` on PATH, else /usr/local/go/bin/go. */
export function findGo(): string {
  const explicit = process.env.LOADGEN_GO;
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new GoToolchainMissingError(`LOADGEN_GO=${explicit} does not exist`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  // The official tarball's location, often not on PATH in non-login shells.
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new GoToolchainMissingError("no `go` on PATH and no /usr/local/go/bin/go");
}

/** `go version` output, e.g. "go1.26.8"; throws GoToolchainMissingError when it does not run. */
export async function goVersion(go: string): Promise<string> {
  try {
    const { stdout } = await run(go, ["env", "GOVERSION"]);
    return stdout.trim();
  } catch (err) {
    throw new GoToolchainMissingError(`${go} did not run: ${(err as Error).message}`);
  }
}
