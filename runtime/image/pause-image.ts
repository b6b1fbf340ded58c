// The real node's sandbox ("pause") image: loadgen's own pause program (controlplane/pause) as a one-file image, so
// a pod sandbox never needs a registry. Packed once next to the cached binary and imported at every `cluster up`.
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { PAUSE_VERSION } from "../cluster/components.ts";
import { writeOciArchive } from "./oci-archive.ts";

/** The name containerd pins as its sandbox image (`.local` never resolves to a registry). */
export const PAUSE_IMAGE = `loadgen.local/pause:${PAUSE_VERSION}`;

/** The archive of the pause image beside `pauseBinary`, written on first use. */
export async function ensurePauseArchive(pauseBinary: string): Promise<string> {
  const archive = join(dirname(pauseBinary), "pause-image.tar");
  if (existsSync(archive)) return archive;
  await writeOciArchive({
    ref: PAUSE_IMAGE,
    out: archive,
    entries: [{ type: "file", path: "pause", mode: 0o755, from: pauseBinary, size: statSync(pauseBinary).size }],
    // As registry.k8s.io/pause: an unprivileged user, nothing but the program.
    config: { Entrypoint: ["/pause"], Env: [], WorkingDir: "/", User: "65535:65535" },
  });
  return archive;
}
