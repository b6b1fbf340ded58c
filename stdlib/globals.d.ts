/**
 * Globals every scenario sees (k6's init-context globals). Referenced from deno.json's compilerOptions.types, so
 * `deno check` and editors know them.
 * @module
 */

declare global {
  /**
   * Variables passed with `loadgen run -e KEY=VALUE` (and the process environment with
   * `--include-system-env-vars`). Read-only.
   * @example Usage
   * ```ts
   * const count = Number(__ENV.COUNT ?? 100);
   * ```
   */
  const __ENV: Readonly<Record<string, string | undefined>>;

  /**
   * Reads a file in the init context (top level of the script), relative to the script's folder. Files outside that
   * folder cannot be read. `"b"` returns the bytes as an ArrayBuffer.
   * @param path A path relative to the script, e.g. `"templates/vmi.yaml"`.
   * @param mode `"r"` (text, the default) or `"b"` (binary).
   * @throws {Error} outside the init context, for a missing file, or for a path outside the script's folder.
   * @example Usage
   * ```ts
   * const template = open("./templates/vmi.yaml");
   * ```
   */
  function open(path: string, mode?: "r"): string;
  function open(path: string, mode: "b"): ArrayBuffer;
}

export {};
