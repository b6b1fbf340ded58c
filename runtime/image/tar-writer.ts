// A reproducible tar writer (POSIX ustar, with PAX headers for long names): every entry has mtime 0, uid/gid 0 and
// the mode it is given, so the same files always give the same bytes and the same digest. Written here rather than
// taken from npm's `tar`: loadgen's images need only this one writer (regular files, dirs, symlinks), it is ~100 lines,
// and a new runtime dependency would ship in every install of the CLI for a command most users never run.
import { closeSync, openSync, readSync, writeSync } from "node:fs";

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

/** One entry of a layer; `path` is relative to the root ("usr/bin/x"), without a leading slash. */
export type TarEntry =
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "file"; path: string; mode: number; data: Buffer }
  | { type: "file"; path: string; mode: number; from: string; size: number };

/**
 * Writes tar bytes to `sink`, synchronously (the writer of an image layer owns the process while it runs). A chunk is
 * only valid during the call: the sink must consume it at once (hash it, write it), not keep it.
 */
export class TarWriter {
  readonly #sink: (chunk: Buffer) => void;
  readonly #copyBuffer = Buffer.alloc(1 << 20);

  constructor(sink: (chunk: Buffer) => void) {
    this.#sink = sink;
  }

  add(entry: TarEntry): void {
    const name = entry.type === "dir" ? `${entry.path}/` : entry.path;
    const link = entry.type === "symlink" ? entry.target : "";
    const size = entry.type !== "file" ? 0 : "data" in entry ? entry.data.length : entry.size;
    const pax: string[] = [];
    if (!fitsUstarName(name)) pax.push(paxRecord("path", name));
    if (Buffer.byteLength(link) > 100) pax.push(paxRecord("linkpath", link));
    if (pax.length) {
      const body = Buffer.from(pax.join(""));
      this.#sink(header({ name: "PaxHeader", mode: 0o644, size: body.length, type: "x", link: "" }));
      this.#sink(body);
      this.#pad(body.length);
    }
    const mode = entry.type === "symlink" ? 0o777 : entry.mode;
    const type = entry.type === "dir" ? "5" : entry.type === "symlink" ? "2" : "0";
    this.#sink(header({ name, mode, size, type, link: Buffer.byteLength(link) > 100 ? "" : link }));
    if (entry.type !== "file") return;
    if ("data" in entry) this.#sink(entry.data);
    else this.#copy(entry.from, entry.size);
    this.#pad(size);
  }

  /** The two zero blocks that end an archive. */
  finish(): void {
    this.#sink(ZEROS);
  }

  #copy(file: string, size: number): void {
    const fd = openSync(file, "r");
    try {
      let done = 0;
      while (done < size) {
        const n = readSync(fd, this.#copyBuffer, 0, Math.min(this.#copyBuffer.length, size - done), done);
        if (n === 0) throw new Error(`${file} shrank while it was being packed (${done} of ${size} bytes read)`);
        this.#sink(this.#copyBuffer.subarray(0, n));
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  #pad(size: number): void {
    const rest = size % BLOCK;
    if (rest) this.#sink(ZEROS.subarray(0, BLOCK - rest));
  }
}

/** A TarWriter into a file descriptor. */
export function tarToFd(fd: number, onChunk?: (chunk: Buffer) => void): TarWriter {
  return new TarWriter((chunk) => {
    onChunk?.(chunk);
    writeSync(fd, chunk);
  });
}

function fitsUstarName(name: string): boolean {
  return Buffer.byteLength(name) <= 100 && /^[\x20-\x7e]*$/.test(name);
}

/** "<len> key=value\n", where <len> counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return `${len}${rest}`;
}

function header(h: { name: string; mode: number; size: number; type: string; link: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  // A name that needs a PAX record gets a truncated ASCII stand-in here; readers use the PAX path.
  b.write(fitsUstarName(h.name) ? h.name : h.name.replace(/[^\x20-\x7e]/g, "_").slice(-100), 0, 100, "utf8");
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, 0); // uid
  octal(b, 116, 8, 0); // gid
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, 0); // mtime
  b.write(h.type, 156, 1, "ascii");
  b.write(h.link, 157, 100, "utf8");
  b.write("ustar\0", 257, 6, "ascii");
  b.write("00", 263, 2, "ascii");
  b.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(value.toString(8).padStart(length - 1, "0") + "\0", offset, length, "ascii");
}
