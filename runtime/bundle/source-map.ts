import { SourceMap } from "node:module";
import path from "node:path";
import { displayPath } from "./display-path.ts";

/**
 * Rewrites QuickJS stack frames of the bundle (`at fn (scenario.bundle.js:12:5)`) into the scenario's
 * TypeScript locations (`at fn (scenarios/x.ts:8:11)`), using Node's built-in SourceMap (no dependency).
 */
export class StackMapper {
  readonly #map: SourceMap;
  readonly #moduleName: string;
  readonly #sourceRoot: string;
  readonly #frame: RegExp;
  readonly #libraryRoot: string | undefined;

  /**
   * @param libraryRoot the folder of the stdlib shims inlined in the bundle: their frames are mapped, but a
   *   scenario error's location is the first frame outside it (the scenario line that called `fail()`, say).
   */
  constructor(sourceMapJson: string, moduleName: string, bundleDir: string, libraryRoot?: string) {
    this.#map = new SourceMap(JSON.parse(sourceMapJson));
    this.#moduleName = moduleName;
    this.#sourceRoot = bundleDir;
    this.#frame = new RegExp(`${escapeRegExp(moduleName)}:(\\d+)(?::(\\d+))?`, "g");
    this.#libraryRoot = libraryRoot === undefined ? undefined : path.resolve(libraryRoot) + path.sep;
  }

  /** The TypeScript location of a 1-based bundle position, as `file:line:col`, or undefined when unmapped. */
  locate(line: number, column: number): string | undefined {
    const found = this.#find(line, column);
    return found === undefined ? undefined : `${displayPath(found.source)}:${found.line}:${found.column}`;
  }

  #find(line: number, column: number): { source: string; line: number; column: number } | undefined {
    const entry = this.#map.findEntry(line - 1, Math.max(0, column - 1)) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
    const source = entry.originalSource.startsWith("file://")
      ? new URL(entry.originalSource).pathname
      : path.resolve(this.#sourceRoot, entry.originalSource);
    return { source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  }

  /** `text` with every bundle position replaced by its TypeScript location. */
  mapStack(text: string): string {
    return text.replace(this.#frame, (whole, line: string, col: string | undefined) => {
      return this.locate(Number(line), col === undefined ? 1 : Number(col)) ?? whole;
    });
  }

  /** The first frame of `stack` that maps into the scenario (not into the stdlib), as `file:line:col`. */
  firstLocation(stack: string): string | undefined {
    const frames = new RegExp(this.#frame.source, "g");
    for (let m = frames.exec(stack); m !== null; m = frames.exec(stack)) {
      const found = this.#find(Number(m[1]), m[2] === undefined ? 1 : Number(m[2]));
      if (found === undefined) continue;
      if (this.#libraryRoot !== undefined && found.source.startsWith(this.#libraryRoot)) continue;
      return `${displayPath(found.source)}:${found.line}:${found.column}`;
    }
    return undefined;
  }

  get moduleName(): string {
    return this.#moduleName;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
