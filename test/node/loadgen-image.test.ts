// loadgen's image as `loadgen image build` writes it: a valid OCI image layout (digests check out, the config is
// loadgen's), the same files giving the same image, what the layer holds and leaves out, the Dockerfile agreeing
// with it, and the command importing it into the local cluster's real node.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildLoadgenImage } from "../../runtime/image/image-build.ts";
import { LOADGEN_IMAGE_CONFIG, loadgenImageRef, packageRoot, packageVersion, sharedLibraries } from "../../runtime/image/loadgen-image.ts";
import { writeOciArchive } from "../../runtime/image/oci-archive.ts";
import { useRealNode } from "../fixtures/real-node.ts";

const scratch = mkdtempSync(join(tmpdir(), "loadgen-image-"));
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Unpacks an OCI archive; returns its index, manifest, config and the blobs dir. */
function unpack(archive: string, into: string) {
  execFileSync("mkdir", ["-p", into]);
  execFileSync("tar", ["-xf", archive, "-C", into]);
  const blob = (digest: string) => join(into, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const index = JSON.parse(readFileSync(join(into, "index.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
  return { index, manifest, config, blob };
}

test.after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

test("the archive is an OCI image layout whose digests check out, with loadgen's config, tagged with loadgen's version", async () => {
  const built = await buildLoadgenImage();
  assert.is(built.ref, `loadgen.local/loadgen:${packageVersion()}`);
  const { index, manifest, config, blob } = unpack(built.archive, join(scratch, "built"));
  assert.equal(JSON.parse(readFileSync(join(scratch, "built", "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  assert.is(index.manifests[0].annotations["io.containerd.image.name"], loadgenImageRef());
  assert.is(index.manifests[0].digest, built.manifestDigest);
  for (const d of [index.manifests[0], manifest.config, ...manifest.layers]) {
    assert.is(`sha256:${sha256(blob(d.digest))}`, d.digest, `blob ${d.digest} has its digest`);
    assert.is(readFileSync(blob(d.digest)).length, d.size, `blob ${d.digest} has its size`);
  }
  assert.equal(config.config, LOADGEN_IMAGE_CONFIG);
  assert.is(config.os, "linux");
  const diffId = createHash("sha256").update(execFileSync("gzip", ["-dc", blob(manifest.layers[0].digest)], { maxBuffer: 1 << 30 })).digest("hex");
  assert.equal(config.rootfs.diff_ids, [`sha256:${diffId}`], "the diff_id is the uncompressed layer's digest");
});

test("the layer holds Node and the libraries ldd lists, loadgen's CLI, stdlib and production packages, not what nothing runs", async () => {
  const built = await buildLoadgenImage();
  const { manifest, blob } = unpack(built.archive, join(scratch, "layer"));
  const files = new Set(execFileSync("tar", ["-tzf", blob(manifest.layers[0].digest)], { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n"));
  for (const f of ["usr/local/bin/node", "opt/loadgen/bin/loadgen.js", "opt/loadgen/dist/loadgen.mjs", "opt/loadgen/stdlib/modules.ts",
    "opt/loadgen/scenarios/hello.ts", "opt/loadgen/examples/consumer/server.mjs", "opt/loadgen/controlplane/manifests/stages/node-pod.yaml", "opt/loadgen/node_modules/undici/package.json", "tmp/"]) {
    assert.ok(files.has(f), `has ${f}`);
  }
  for (const lib of await sharedLibraries(process.execPath)) assert.ok(files.has(lib.slice(1)), `has ${lib}`);
  const notRun = [...files].filter((f) => f.includes("/node_modules/") && /\.(d\.ts|map|md)$/.test(f));
  assert.equal(notRun.slice(0, 5), [], "no type declarations, source maps or docs of packages");
  assert.not.ok([...files].some((f) => f.startsWith("opt/loadgen/node_modules/typescript/")), "no dev dependency");
  assert.ok(built.layerBytes < 200e6, `small: ${(built.layerBytes / 1e6).toFixed(1)} MB of files`);
});

test("the same files make the same image; long names and symlinks survive (PAX headers)", async () => {
  const long = `${"deep/".repeat(30)}file.txt`;
  const entries = [
    { type: "dir" as const, path: "a", mode: 0o755 },
    { type: "file" as const, path: "a/hello", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n") },
    { type: "symlink" as const, path: "a/link", target: `../${long}` },
    { type: "file" as const, path: long, mode: 0o644, data: Buffer.from("x") },
  ];
  const config = { Env: [], WorkingDir: "/" };
  const one = await writeOciArchive({ ref: "loadgen.local/t:1", entries, config, out: join(scratch, "one.tar") });
  const two = await writeOciArchive({ ref: "loadgen.local/t:1", entries, config, out: join(scratch, "two.tar") });
  assert.is(one.manifestDigest, two.manifestDigest);
  assert.is(sha256(one.archive), sha256(two.archive));
  const { manifest, blob } = unpack(one.archive, join(scratch, "small"));
  const listing = execFileSync("tar", ["-tvzf", blob(manifest.layers[0].digest)], { encoding: "utf8" });
  assert.match(listing, long);
  assert.match(listing, `a/link -> ../${long}`);
  assert.match(listing, /-rwxr-xr-x 0\/0 +18 1970-01-01 00:00 a\/hello/);
});

test("image/Dockerfile gives the image the same entrypoint, command, user, working dir and environment", () => {
  const dockerfile = readFileSync(join(packageRoot, "image", "Dockerfile"), "utf8");
  const last = dockerfile.slice(dockerfile.lastIndexOf("FROM scratch"));
  const directive = (name: string) => new RegExp(`^${name} (.+)$`, "m").exec(last)?.[1];
  assert.equal(JSON.parse(directive("ENTRYPOINT")!), LOADGEN_IMAGE_CONFIG.Entrypoint);
  assert.equal(JSON.parse(directive("CMD")!), LOADGEN_IMAGE_CONFIG.Cmd);
  assert.is(directive("USER"), LOADGEN_IMAGE_CONFIG.User);
  assert.is(directive("WORKDIR"), LOADGEN_IMAGE_CONFIG.WorkingDir);
  assert.equal(directive("ENV")!.split(" "), LOADGEN_IMAGE_CONFIG.Env);
  assert.match(dockerfile, "image build --node /usr/local/bin/node --rootfs /rootfs", "the build stage lays out the same files");
});

test("`loadgen image build` imports the image into the local cluster's real node (once), and -o writes the archive", async () => {
  await useRealNode();
  const out = join(scratch, "out.tar");
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(packageRoot, "bin", "loadgen.js"), "image", "build", ...args], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    return r;
  };
  cli([]); // imported now, if it was not
  const again = cli(["-o", out]);
  assert.is(again.stdout.trim(), loadgenImageRef());
  assert.match(again.stderr, "(unchanged since the last build)");
  assert.match(again.stderr, /the real node of the local cluster in \S+ has it already/);
  assert.is(sha256(out), sha256((await buildLoadgenImage()).archive));
});

test.run();
