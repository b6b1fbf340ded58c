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

  constructor(sourceMapJson: string, moduleName: string, bundleDir: string) {
    this.#map = new SourceMap(JSON.parse(sourceMapJson));
    this.#moduleName = moduleName;
    this.#sourceRoot = bundleDir;
    this.#frame = new RegExp(`${escapeRegExp(moduleName)}:(\\d+)(?::(\\d+))?`, "g");
  }

  /** The TypeScript location of a 1-based bundle position, as `file:line:col`, or undefined when unmapped. */
  locate(line: number, column: number): string | undefined {
    const entry = this.#map.findEntry(line - 1, Math.max(0, column - 1)) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
    const source = entry.originalSource.startsWith("file://")
      ? new URL(entry.originalSource).pathname
      : path.resolve(this.#sourceRoot, entry.originalSource);
    return `${displayPath(source)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }

  /** `text` with every bundle position replaced by its TypeScript location. */
  mapStack(text: string): string {
    return text.replace(this.#frame, (whole, line: string, col: string | undefined) => {
      return this.locate(Number(line), col === undefined ? 1 : Number(col)) ?? whole;
    });
  }

  /** The first frame of `stack` that maps into the scenario, as `file:line:col`. */
  firstLocation(stack: string): string | undefined {
    this.#frame.lastIndex = 0;
    const m = this.#frame.exec(stack);
    this.#frame.lastIndex = 0;
    return m ? this.locate(Number(m[1]), m[2] === undefined ? 1 : Number(m[2])) : undefined;
  }

  get moduleName(): string {
    return this.#moduleName;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
