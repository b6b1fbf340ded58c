// `loadgen image build`: loadgen's own OCI image from this checkout, imported into the local cluster's real node
// (so pods there run it with no registry), and written as an OCI archive with -o for a registry of your own.
import { copyFileSync } from "node:fs";
import { Command } from "commander";
import { importIntoRealNode } from "../cluster/local-cluster.ts";
import { buildLoadgenImage, writeRootfs } from "../image/image-build.ts";

const say = (line: string) => process.stderr.write(line + "\n");
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function imageCommand(): Command {
  const image = new Command("image").description("loadgen's own container image (entrypoint `loadgen`: a pod's `args: [run, …]` runs a test)");
  image
    .command("build")
    .description("build the image from this checkout (Node, its shared libraries, dist/, stdlib/, production node_modules), " +
      "tagged with loadgen's version, and import it into the local cluster's real node")
    .option("-o, --output <file>", "also write it as an OCI archive (skopeo copy oci-archive:FILE docker://…, or docker load)")
    .option("--no-import", "do not import it into the local cluster's real node")
    .option("--node <binary>", "the Node binary to ship (default: the one running loadgen)")
    .option("--rootfs <dir>", "only write the image's files under <dir> (what image/Dockerfile does); no archive, no import")
    .action(async (opts: { output?: string; import: boolean; node?: string; rootfs?: string }) => {
      try {
        if (opts.rootfs) {
          const n = await writeRootfs(opts.rootfs, { node: opts.node });
          say(`wrote the image's ${n} files and dirs under ${opts.rootfs}`);
          return;
        }
        const built = await buildLoadgenImage({ node: opts.node });
        say(`image ${built.ref} (${built.manifestDigest}): ${mb(built.layerBytes)} of files, ${mb(built.compressedLayerBytes)} compressed` +
          `${built.reused ? " (unchanged since the last build)" : ""}; archive ${built.archive}`);
        if (opts.output) {
          copyFileSync(built.archive, opts.output);
          say(`wrote ${opts.output} (${mb(built.archiveBytes)}, OCI image layout)`);
        }
        if (opts.import) {
          const r = await importIntoRealNode(built);
          if ("notImported" in r) say(`not imported: ${r.notImported} (\`loadgen cluster up\`, then \`loadgen image build\` again)`);
          else say(r.imported ? `imported into the real node of the local cluster in ${r.node}` : `the real node of the local cluster in ${r.node} has it already`);
        }
        process.stdout.write(`${built.ref}\n`);
      } catch (err) {
        process.stderr.write(`loadgen image: ${(err as Error)?.message ?? String(err)}\n`);
        process.exitCode = 1;
      }
    });
  return image;
}
