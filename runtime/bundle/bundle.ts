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
  /** ES module source; stdlib imports (`loadgen`, `loadgen/*`) stay as imports, served by the VU's module loader. */
  readonly code: string;
  /** Source map (JSON text) of `code`. */
  readonly sourceMap: string;
  /** The file name the VUs evaluate `code` under; stack frames name it. */
  readonly moduleName: string;
  /** The folder the source map's paths are relative to. */
  readonly sourceRoot: string;
}

/** Options for {@link bundleScenario}. */
export interface BundleOptions {
  /** The stdlib specifiers a scenario may import; anything else under `loadgen/` is an error at bundle time. */
  readonly stdlib: ReadonlySet<string>;
}

const BUNDLE_NAME = "scenario.bundle.js";

/**
 * Bundles a TypeScript (or JavaScript) scenario with esbuild: ESM, platform neutral (so `fs` or `node:*`
 * imports fail here rather than in a VU), local imports inlined, stdlib imports kept external.
 * @throws {ScriptError} naming `file:line:col` for a missing script, a syntax error or an import that does not resolve.
 */
export async function bundleScenario(scriptPath: string, options: BundleOptions): Promise<ScenarioBundle> {
  const entryPath = path.resolve(scriptPath);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new ScriptError(`script not found: ${scriptPath}`);
  }
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
      plugins: [stdlibResolver(options.stdlib)],
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
  };
}

/** Keeps known stdlib specifiers external and rejects unknown `loadgen/…` ones with the importing line. */
function stdlibResolver(stdlib: ReadonlySet<string>): esbuild.Plugin {
  return {
    name: "loadgen-stdlib",
    setup(build) {
      build.onResolve({ filter: /^loadgen(\/.*)?$/ }, (args) => {
        if (stdlib.has(args.path)) return { path: args.path, external: true };
        return {
          errors: [{ text: `unknown stdlib module "${args.path}" (available: ${[...stdlib].sort().join(", ")})` }],
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
