// The local cluster's real node as a place for loadgen's own pods, such as the kwok controller Deployment that
// `loadgen nodepool add --controller deploy` makes: kwok's image on it (packed from the cluster's own kwok binary,
// imported when missing: no registry) and free loopback ports (pods there use the machine's network). Handed to
// runtime/kwok through LocalClusterInfo (runtime/execution), which may not import this layer.
import { NODE_NAME } from "./kubelet.ts";
import { importIntoRealNode } from "./local-cluster.ts";
import { clusterDir, clusterPaths } from "./paths.ts";
import { pickPorts } from "./ports.ts";
import { processState } from "./processes.ts";
import { readState } from "./state.ts";

export interface RealNodeHost {
  /** The Node's name (127.0.0.1). */
  readonly name: string;
  /** Puts kwok's image on the node if it is not there; resolves with its ref. */
  kwokImage(log?: (line: string) => void): Promise<string>;
  /** A port nothing listens on at 127.0.0.1 now, for a host-network pod's listener. */
  freePort(): Promise<number>;
}

/** The real node of the local cluster in `dir` (default: the usual one), or undefined when it runs none. */
export async function realNodeHost(options: { dir?: string } = {}): Promise<RealNodeHost | undefined> {
  const dir = options.dir ?? clusterDir();
  const state = await readState(clusterPaths(dir).state);
  const kubelet = state?.components.kubelet;
  if (!state?.realNode || !kubelet || processState(kubelet) !== "running" || !state.components.kwok) return undefined;
  const kwokBinary = state.components.kwok.binary;
  return {
    name: NODE_NAME,
    async kwokImage(log = () => {}) {
      const { ensureKwokArchive } = await import("../image/kwok-image.ts");
      const started = performance.now();
      const built = await ensureKwokArchive(kwokBinary);
      if (!built.reused) {
        log(`packed kwok's image ${built.ref} from ${kwokBinary} in ${((performance.now() - started) / 1000).toFixed(1)}s (${(built.compressedLayerBytes / 1e6).toFixed(1)} MB compressed)`);
      }
      const r = await importIntoRealNode(built, { dir });
      if ("notImported" in r) throw new Error(`kwok's image could not be put on the real node: ${r.notImported}`);
      if (r.imported) log(`imported ${built.ref} into the real node ${NODE_NAME}`);
      return built.ref;
    },
    async freePort() {
      return (await pickPorts(["pod"] as const)).pod;
    },
  };
}
