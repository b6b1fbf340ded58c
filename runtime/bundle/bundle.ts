import * as esbuild from "esbuild";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ScriptError } from "../errors.ts";
import { displayPath } from "./display-path.ts";

/** A scenario bundled into one ES module for the VUs, with the map that turns its stack traces back into TypeScript lines. */
export interface ScenarioBundle {
  /** Absolute path of the entry script. */
  readonly entryPath: string;
  /** The folder `open()` may read from: the entry script's own folder. */
  readonly scriptDir: string;
  /** ES module source with no imports left: local files and the stdlib shims it uses are inlined. */
  readonly code: string;
  /** Source map (JSON text) of `code`. */
  readonly sourceMap: string;
  /** The file name the VUs evaluate `code` under; stack frames name it. */
  readonly moduleName: string;
  /** The folder the source map's paths are relative to. */
  readonly sourceRoot: string;
  /** The stdlib specifiers the scenario (or a file it imports) imports: the run opens only those modules. */
  readonly stdlibImports: ReadonlySet<string>;
}

/** Options for {@link bundleScenario}. */
export interface BundleOptions {
  /**
   * The stdlib modules a scenario may import: specifier → the guest shim's entry file. Anything else under
   * `loadgen/` is an error at bundle time.
   */
  readonly stdlib: ReadonlyMap<string, string>;
}

/** The file name VUs evaluate a bundle under (stack frames name it); archives keep it. */
export const BUNDLE_NAME = "scenario.bundle.js";

/**
 * Bundles a TypeScript (or JavaScript) scenario with esbuild: ESM, platform neutral (so `fs` or `node:*`
 * imports fail here rather than in a VU), local imports and the stdlib shims inlined. Inlining the shims lets
 * esbuild drop the parts a scenario does not use (their bindings are marked pure): every VU compiles the bundle,
 * and compiling is most of a VU's start.
 * @throws {ScriptError} naming `file:line:col` for a missing script, a syntax error or an import that does not resolve.
 */
export async function bundleScenario(scriptPath: string, options: BundleOptions): Promise<ScenarioBundle> {
  const entryPath = path.resolve(scriptPath);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new ScriptError(`script not found: ${scriptPath}`);
  }
  const stdlibImports = new Set<string>();
  let result: esbuild.BuildResult<{ write: false; metafile: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entryPath],
      bundle: true,
      write: false,
      outfile: BUNDLE_NAME,
      format: "esm",
      platform: "neutral",
      // QuickJS runs ES2023 natively: no lowering keeps line mapping exact and code small.
      target: "es2022",
      mainFields: ["module", "main"],
      conditions: ["import"],
      sourcemap: "external",
      sourcesContent: false,
      keepNames: true,
      logLevel: "silent",
      plugins: [stdlibResolver(options.stdlib, stdlibImports)],
    });
  } catch (error) {
    throw new ScriptError(formatBuildFailure(error));
  }
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js || !map) throw new ScriptError(`bundling ${displayPath(entryPath)} produced no output`);
  return {
    entryPath,
    scriptDir: path.dirname(entryPath),
    // esbuild appends a sourceMappingURL comment: harmless, but strip it so VUs never see a path of ours.
    code: js.text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"),
    sourceMap: map.text,
    moduleName: BUNDLE_NAME,
    sourceRoot: process.cwd(),
    stdlibImports,
  };
}

/** Resolves stdlib specifiers to their guest shims and rejects unknown `loadgen/…` ones with the importing line. */
function stdlibResolver(stdlib: ReadonlyMap<string, string>, imported: Set<string>): esbuild.Plugin {
  return {
    name: "loadgen-stdlib",
    setup(build) {
      build.onResolve({ filter: /^loadgen(\/.*)?$/ }, (args) => {
        const entry = stdlib.get(args.path);
        if (entry !== undefined) {
          imported.add(args.path);
          return { path: entry };
        }
        return {
          errors: [{ text: `unknown stdlib module "${args.path}" (available: ${[...stdlib.keys()].sort().join(", ")})` }],
        };
      });
    },
  };
}

/** esbuild's failure as `file:line:col: message` lines, paths relative to the working directory. */
function formatBuildFailure(error: unknown): string {
  const failure = error as { errors?: esbuild.Message[] };
  if (!failure.errors?.length) return String((error as Error)?.message ?? error);
  return failure.errors
    .map((e) => {
      const loc = e.location;
      const where = loc ? `${displayPath(loc.file)}:${loc.line}:${loc.column + 1}: ` : "";
      const hint = loc?.lineText ? `\n    ${loc.lineText.trim()}` : "";
      return `${where}${e.text}${hint}`;
    })
    .join("\n");
}
