// An OCI image archive (the image-layout spec's oci-layout + index.json + blobs/sha256/…, as one tar) of a single
// gzip layer: what `ctr images import` loads into the real node's containerd, and what `skopeo copy oci-archive:…` or
// `docker load` (25+) take to push it to a registry. Reproducible: the same files give the same manifest digest.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tarToFd, type TarEntry } from "./tar-writer.ts";

/** The runtime settings of an image (the config's `config` object, OCI names). */
export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env: string[];
  WorkingDir: string;
  User?: string;
  Labels?: Record<string, string>;
}

export interface WrittenImage {
  ref: string;
  archive: string;
  /** sha256:… of the manifest: what containerd lists as the image's digest. */
  manifestDigest: string;
  /** The layer's size as files (uncompressed tar) and as shipped (gzip). */
  layerBytes: number;
  compressedLayerBytes: number;
  archiveBytes: number;
}

const OCI_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/** The OCI platform of this machine (images hold this machine's binaries). */
export function imagePlatform(): { architecture: string; os: string } {
  const architecture = OCI_ARCH[process.arch];
  if (!architecture) throw new Error(`images are built for amd64 or arm64; this machine is ${process.arch}`);
  return { architecture, os: "linux" };
}

/** Writes `entries` as a one-layer image named `ref` to `out` (through a temp file: never a half archive). */
export async function writeOciArchive(o: { ref: string; entries: readonly TarEntry[]; config: ImageConfig; out: string }): Promise<WrittenImage> {
  const work = `${o.out}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "blobs", "sha256"), { recursive: true });
  try {
    // The layer: its uncompressed digest is the diff_id, its gzip digest the blob's name.
    const layerTar = join(work, "layer.tar");
    const diffId = createHash("sha256");
    const fd = openSync(layerTar, "w");
    try {
      const tar = tarToFd(fd, (chunk) => diffId.update(chunk));
      for (const e of o.entries) tar.add(e);
      tar.finish();
    } finally {
      closeSync(fd);
    }
    const layerBytes = statSync(layerTar).size;
    const gz = join(work, "layer.tar.gz");
    const layerDigest = await gzipHashed(layerTar, gz);
    rmSync(layerTar);
    const blobs = join(work, "blobs", "sha256");
    renameSync(gz, join(blobs, layerDigest));
    const compressedLayerBytes = statSync(join(blobs, layerDigest)).size;

    const platform = imagePlatform();
    const epoch = "1970-01-01T00:00:00Z";
    const config = {
      created: epoch,
      ...platform,
      config: o.config,
      rootfs: { type: "layers", diff_ids: [`sha256:${diffId.digest("hex")}`] },
      history: [{ created: epoch, created_by: "loadgen (runtime/image)" }],
    };
    const configBlob = blob(blobs, JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: `sha256:${layerDigest}`, size: compressedLayerBytes }],
    };
    const manifestBlob = blob(blobs, JSON.stringify(manifest));
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...manifestBlob,
        platform,
        // containerd names the imported image after the first; OCI tools read the second.
        annotations: { "io.containerd.image.name": o.ref, "org.opencontainers.image.ref.name": o.ref },
      }],
    };
    writeFileSync(join(work, "index.json"), JSON.stringify(index));
    writeFileSync(join(work, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));

    // The archive itself, in the order tools expect: layout marker, index, blobs.
    const names = ["oci-layout", "index.json"];
    const tmpOut = `${o.out}.tmp-${process.pid}.tar`;
    mkdirSync(dirname(o.out), { recursive: true });
    const outFd = openSync(tmpOut, "w");
    try {
      const tar = tarToFd(outFd);
      for (const name of names) tar.add({ type: "file", path: name, mode: 0o644, from: join(work, name), size: statSync(join(work, name)).size });
      for (const dir of ["blobs", "blobs/sha256"]) tar.add({ type: "dir", path: dir, mode: 0o755 });
      for (const digest of [layerDigest, configBlob.digest.slice(7), manifestBlob.digest.slice(7)].sort()) {
        const file = join(blobs, digest);
        tar.add({ type: "file", path: `blobs/sha256/${digest}`, mode: 0o644, from: file, size: statSync(file).size });
      }
      tar.finish();
    } finally {
      closeSync(outFd);
    }
    renameSync(tmpOut, o.out);
    return { ref: o.ref, archive: o.out, manifestDigest: manifestBlob.digest, layerBytes, compressedLayerBytes, archiveBytes: statSync(o.out).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes `text` as a blob; returns its descriptor fields. */
function blob(dir: string, text: string): { digest: string; size: number } {
  const bytes = Buffer.from(text);
  const hex = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(join(dir, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** gzips `from` into `to`; resolves with the hex sha256 of the gzip bytes. */
async function gzipHashed(from: string, to: string): Promise<string> {
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), createGzip({ level: 6 }), tap, createWriteStream(to));
  return hash.digest("hex");
}
