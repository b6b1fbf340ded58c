/**
 * `--out` values → outputs. One entry per output name (k6's internal/cmd/outputs.go map); the part after the first
 * `=` is the output's argument, e.g. `json=results.ndjson`.
 */
import { createJsonOutput } from "./json-output.ts";
import type { Output } from "./types.ts";

/** Output factories by `--out` name. */
const OUTPUTS: ReadonlyMap<string, (arg: string) => Output> = new Map([["json", (arg: string) => createJsonOutput(arg)]]);

/** The `--out` names this build supports. */
export function supportedOutputs(): string[] {
  return [...OUTPUTS.keys()];
}

/**
 * Creates the output an `--out` value names: `json=FILE` (`.gz` compresses; `json` or `json=-` writes to stdout).
 * @throws {Error} quoting the value and listing the supported names when the name is unknown.
 */
export function createOutput(spec: string): Output {
  const eq = spec.indexOf("=");
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const arg = eq < 0 ? "" : spec.slice(eq + 1).trim();
  const factory = OUTPUTS.get(name);
  if (factory === undefined) {
    const why = name === "" ? "missing output name" : `unknown output "${name}"`;
    throw new Error(`--out ${JSON.stringify(spec)}: ${why}; supported: ${supportedOutputs().join(", ")} (e.g. --out json=results.ndjson)`);
  }
  return factory(arg);
}
