// Shared by the job tests on the real node: loadgen's image of this checkout under a tag of its own (the shared
// cluster's node also holds other checkouts' images under loadgen's usual tag), and the CLI pointed at the local
// cluster.
import { createHash } from "node:crypto";
import { useRealNode } from "../fixtures/real-node.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runCli, type CliOutcome } from "../fixtures/run-scenario.ts";

let image: Promise<string> | undefined;

/** This checkout's loadgen image on the real node, tagged `<version>-test-<hash of the checkout's path>`; its ref. */
export function useJobImage(): Promise<string> {
  image ??= (async () => {
    await useRealNode();
    const { buildLoadgenImage } = await import("../../runtime/image/image-build.ts");
    const { importIntoRealNode } = await import("../../runtime/cluster/local-cluster.ts");
    const { loadgenVersion } = await import("../../runtime/util/package-version.ts");
    const ref = `loadgen.local/loadgen:${loadgenVersion()}-test-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`;
    const built = await buildLoadgenImage({ ref });
    const r = await importIntoRealNode(built);
    if ("notImported" in r) throw new Error(`loadgen's image was not imported: ${r.notImported}`);
    return built.ref;
  })();
  return image;
}

/** `loadgen job …` against the local cluster (built CLI), with a timeout a Job run fits in. */
export async function job(args: readonly string[], o: { timeoutMs?: number } = {}): Promise<CliOutcome> {
  const { kubeconfig } = await useLocalCluster();
  return runCli(["job", ...args, "--kubeconfig", kubeconfig], { timeoutMs: o.timeoutMs ?? 240_000 });
}
