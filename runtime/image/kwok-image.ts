// kwok's image for the real node: the local cluster's own kwok binary (built from controlplane/kwok) as a one-file
// image, laid out as kwok's release image (registry.k8s.io/kwok/kwok: entrypoint /usr/local/bin/kwok), so the
// controller Deployment `loadgen nodepool add --controller deploy` makes runs there with no registry. Packed once
// beside the cached binary, on first use (most clusters never deploy a controller).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { KWOK_VERSION } from "../cluster/components.ts";
import { writeOciArchive, type WrittenImage } from "./oci-archive.ts";

/** The name the image has on the local node (`.local` never resolves to a registry); the tag is kwok's release. */
export const KWOK_IMAGE = `loadgen.local/kwok:${KWOK_VERSION}`;

/** The archive of kwok's image beside `kwokBinary` (written on first use; rewritten when the binary changed). */
export async function ensureKwokArchive(kwokBinary: string): Promise<WrittenImage & { reused: boolean }> {
  const archive = join(dirname(kwokBinary), "kwok-image.tar");
  const stamp = `${archive}.json`;
  const st = statSync(kwokBinary);
  const fingerprint = `${KWOK_IMAGE}:${st.size}:${st.mtimeMs}`;
  if (existsSync(archive) && existsSync(stamp)) {
    const cached = JSON.parse(readFileSync(stamp, "utf8")) as WrittenImage & { fingerprint: string };
    if (cached.fingerprint === fingerprint) return { ...cached, archive, reused: true };
  }
  const written = await writeOciArchive({
    ref: KWOK_IMAGE,
    out: archive,
    entries: [
      { type: "dir", path: "tmp", mode: 0o1777 },
      { type: "dir", path: "usr", mode: 0o755 },
      { type: "dir", path: "usr/local", mode: 0o755 },
      { type: "dir", path: "usr/local/bin", mode: 0o755 },
      { type: "file", path: "usr/local/bin/kwok", mode: 0o755, from: kwokBinary, size: st.size },
    ],
    // Unprivileged: kwok only talks to the API server. HOME: kwok looks for ~/.kwok and ~/.kube (absent: in-cluster).
    config: { Entrypoint: ["/usr/local/bin/kwok"], Env: ["HOME=/tmp"], WorkingDir: "/", User: "65532:65532" },
  });
  writeFileSync(stamp, JSON.stringify({ ...written, fingerprint }, null, 2) + "\n");
  return { ...written, reused: false };
}
