// The files a scenario's open() may read, and the ones it did: below the script's own folder on this machine, or the
// files an archive carries (runtime/archive), never anything else. `loadgen archive` keeps what the init code opened,
// so the same store serves a run and records what an archive must hold.
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";

export interface ScriptFiles {
  /**
   * The bytes of `file`, as the script names it (relative to its folder).
   * @throws {Error} naming the file when it is missing or outside what the script may read.
   */
  read(file: string): Buffer;
  /** Every file read so far, by its path below the script's folder (`data/users.json`, forward slashes). */
  opened(): ReadonlyMap<string, Buffer>;
}

/** The path below the script's folder that `file` names (`./data/x.json` → `data/x.json`); undefined when it leaves it. */
export function pathBelowScript(file: string): string | undefined {
  const normalized = path.posix.normalize(file.replace(/\\/g, "/"));
  if (normalized === "." || normalized.startsWith("../") || normalized === ".." || path.posix.isAbsolute(normalized)) return undefined;
  return normalized.replace(/^\.\//, "");
}

/** The files below the script's folder on this machine (symlinks followed only while they stay inside it). */
export class FolderFiles implements ScriptFiles {
  readonly #root: string;
  readonly #opened = new Map<string, Buffer>();

  constructor(scriptDir: string) {
    this.#root = realpathSync(scriptDir);
  }

  read(file: string): Buffer {
    const logical = path.relative(this.#root, path.resolve(this.#root, file)).split(path.sep).join("/");
    const known = this.#opened.get(logical);
    if (known !== undefined) return known;
    const bytes = readFileSync(this.#resolveInside(file));
    this.#opened.set(logical, bytes);
    return bytes;
  }

  opened(): ReadonlyMap<string, Buffer> {
    return this.#opened;
  }

  /** The real path of `file` under the root; anything that resolves outside it (`..`, absolute paths, symlinks) is refused. */
  #resolveInside(file: string): string {
    const candidate = path.resolve(this.#root, file);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      throw new Error(`open(): no such file "${file}" in the script's folder`);
    }
    const rel = path.relative(this.#root, real);
    if (rel.startsWith("..") || path.isAbsolute(rel)) {
      throw new Error(`open(): "${file}" is outside the script's folder; scenarios may only read files below it`);
    }
    return real;
  }
}

/** The files an archive carries: the only ones an archived scenario can open; the machine's are never looked at. */
export class ArchivedFiles implements ScriptFiles {
  readonly #files: ReadonlyMap<string, Buffer>;
  readonly #archive: string;
  readonly #opened = new Map<string, Buffer>();

  /** `files` by their path below the script's folder; `archive` names the archive in messages. */
  constructor(files: ReadonlyMap<string, Buffer>, archive: string) {
    this.#files = files;
    this.#archive = archive;
  }

  read(file: string): Buffer {
    const key = pathBelowScript(file);
    if (key === undefined) {
      throw new Error(`open(): "${file}" is not below the script's folder; an archive holds only the files the script opened there, by their relative paths (${this.#archive})`);
    }
    const bytes = this.#files.get(key);
    if (bytes === undefined) {
      const held = [...this.#files.keys()];
      throw new Error(
        `open(): "${file}" is not in the archive ${this.#archive} (it holds ${held.length ? held.join(", ") : "no files"}); ` +
          "an archive keeps the files the init code opened when it was made",
      );
    }
    this.#opened.set(key, bytes);
    return bytes;
  }

  opened(): ReadonlyMap<string, Buffer> {
    return this.#opened;
  }
}
