// loadgen's image of this checkout under a tag of its own (loadgen.local/loadgen:runner-groups), imported into the
// shared local cluster's real node: other checkouts import *their* loadgen under the version tag at the same time.
import { importIntoRealNode } from "../../runtime/cluster/local-cluster.ts";
import { buildLoadgenImage } from "../../runtime/image/image-build.ts";

export const GROUP_IMAGE = "loadgen.local/loadgen:runner-groups";

let image: Promise<string> | undefined;

export function useGroupImage(): Promise<string> {
  image ??= (async () => {
    const built = await buildLoadgenImage({ ref: GROUP_IMAGE });
    const r = await importIntoRealNode(built);
    if ("notImported" in r) throw new Error(`the image was not imported: ${r.notImported}`);
    return built.ref;
  })();
  return image;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  useGroupImage().then((ref) => console.log(ref));
}
