// loadgen's image of this checkout under a tag of its own (loadgen.local/loadgen:rg-<fingerprint>), imported into the
// shared local cluster's real node. Its own tag, because other checkouts import *their* loadgen under the shared
// version tag at the same time; the fingerprint makes a changed checkout a new image.
import { join } from "node:path";
import { tmpdir } from "node:os";
import { importIntoRealNode } from "../../runtime/cluster/local-cluster.ts";
import { entriesFingerprint, LOADGEN_IMAGE_CONFIG, loadgenImageEntries } from "../../runtime/image/loadgen-image.ts";
import { writeOciArchive } from "../../runtime/image/oci-archive.ts";

let image: Promise<string> | undefined;

export function useGroupImage(): Promise<string> {
  image ??= (async () => {
    const entries = await loadgenImageEntries();
    const fingerprint = entriesFingerprint(entries, LOADGEN_IMAGE_CONFIG, "rg");
    const ref = `loadgen.local/loadgen:rg-${fingerprint.slice(0, 12)}`;
    const out = join(tmpdir(), `loadgen-rg-image-${fingerprint.slice(0, 12)}.tar`);
    const written = await writeOciArchive({ ref, entries, config: LOADGEN_IMAGE_CONFIG, out });
    const r = await importIntoRealNode(written);
    if ("notImported" in r) throw new Error(`the image was not imported: ${r.notImported}`);
    return ref;
  })();
  return image;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  useGroupImage().then((ref) => console.log(ref));
}
