import * as esbuild from "esbuild";
import type { HostModule } from "../../stdlib/host-module.ts";

const cache = new Map<string, Promise<string>>();

/**
 * The guest shims of the stdlib modules as ES module source, by specifier: what a VU's module loader serves for
 * `import … from "loadgen/…"`. Built once per process (a few ms each); shims may import other stdlib modules,
 * which stay imports.
 */
export async function stdlibGuestSources(modules: readonly HostModule[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    modules.map(async (m) => {
      out.set(m.specifier, await guestSource(m.guestEntry));
    }),
  );
  return out;
}

function guestSource(entry: string): Promise<string> {
  let source = cache.get(entry);
  if (source === undefined) {
    source = esbuild
      .build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: "esm",
        platform: "neutral",
        target: "es2022",
        external: ["loadgen", "loadgen/*"],
        logLevel: "silent",
        legalComments: "none",
        // Every VU compiles the shims it imports: smaller text is a faster VU start.
        minify: true,
      })
      .then((r) => r.outputFiles[0]!.text);
    cache.set(entry, source);
  }
  return source;
}
