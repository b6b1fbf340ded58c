// Reads a tar held in memory: POSIX ustar with PAX `path`/`size` records (what tar-writer.ts writes) and GNU long
// names (what GNU tar writes for a long path), each header's checksum verified. Written here rather than taken from
// npm (`tar`, `tar-stream`, `modern-tar`): loadgen reads only its own archives (runtime/archive), which are small and
// read whole, and never extracts anything to disk, so a library's streaming, extraction and path-safety machinery has
// nothing to do; the ~80 lines below are the inverse of the writer beside them, with no dependency to ship.

const BLOCK = 512;

export interface TarReadEntry {
  /** The path as stored (a dir's without its trailing slash). */
  readonly path: string;
  /** `file`, `dir`, or the header's type flag for anything else (`2` symlink, `1` hard link, …). */
  readonly type: "file" | "dir" | string;
  readonly data: Buffer;
}

/** Not a tar, or a damaged one; `offset` is the byte where reading stopped. */
export class TarFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = "TarFormatError";
  }
}

/** True when `head` (at least one block) starts with a ustar header whose checksum holds. */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= BLOCK && head.toString("latin1", 257, 262) === "ustar" && checksumHolds(head.subarray(0, BLOCK));
}

/**
 * Every entry of `tar`, in order.
 * @throws {TarFormatError} for a bad checksum, a truncated entry or a size that does not read.
 */
export function readTar(tar: Buffer): TarReadEntry[] {
  const entries: TarReadEntry[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    if (!checksumHolds(header)) throw new TarFormatError(`bad header checksum at byte ${at}`, at);
    const size = pax.size !== undefined ? Number(pax.size) : octal(header, 124, 12, at);
    const type = String.fromCharCode(header[156]!);
    const start = at + BLOCK;
    const end = start + size;
    if (!Number.isSafeInteger(size) || size < 0 || end > tar.length) throw new TarFormatError(`entry at byte ${at} runs past the end of the archive`, at);
    const data = tar.subarray(start, end);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      pax = parsePax(data, start);
      continue;
    }
    if (type === "g") continue;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    const ustarPath = (): string => {
      const name = cString(header, 0, 100);
      const prefix = header.toString("latin1", 257, 262) === "ustar" ? cString(header, 345, 155) : "";
      return prefix ? `${prefix}/${name}` : name;
    };
    const path = (pax.path ?? longName ?? ustarPath()).replace(/\/+$/, "");
    entries.push({ path, type: type === "0" || type === "\0" ? "file" : type === "5" ? "dir" : type, data });
    pax = {};
    longName = undefined;
  }
  throw new TarFormatError("the archive ends without its end-of-archive blocks (truncated?)", tar.length);
}

function checksumHolds(header: Buffer): boolean {
  const stored = parseInt(header.toString("latin1", 148, 156).replace(/[\0 ]+$/, "").trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return stored === sum;
}

function octal(b: Buffer, offset: number, length: number, at: number): number {
  const text = b.toString("latin1", offset, offset + length).replace(/[\0 ]+$/, "").trim();
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError(`header at byte ${at}: a size that does not read (${JSON.stringify(text)})`, at);
  return text === "" ? 0 : parseInt(text, 8);
}

function cString(b: Buffer, offset: number, length: number): string {
  const field = b.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString("utf8");
}

/** PAX records: "<len> key=value\n" each. */
function parsePax(data: Buffer, at: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < data.length; ) {
    const space = data.indexOf(0x20, i);
    const len = space < 0 ? NaN : Number(data.toString("latin1", i, space));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new TarFormatError(`a PAX record that does not read at byte ${at + i}`, at + i);
    const record = data.toString("utf8", space + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}
