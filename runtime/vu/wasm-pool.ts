import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import RELEASE_SYNC_MODULE from "@jitl/quickjs-wasmfile-release-sync";

// Under NodeNext the package's CommonJS typings make the default import look like the module object; at run time
// Node loads its ESM build, whose default export is the variant itself.
const RELEASE_SYNC = RELEASE_SYNC_MODULE as unknown as QuickJSSyncVariant;

/** How VUs are spread over QuickJS WebAssembly modules. */
export interface WasmPoolOptions {
  /** VUs that share one module (one linear memory). More modules cost address space, fewer cost headroom per VU. */
  readonly vusPerModule: number;
  /** Linear memory of each module in MiB, fixed (initial = maximum; see why below). */
  readonly moduleMemoryMiB: number;
}

export const defaultWasmPoolOptions: WasmPoolOptions = { vusPerModule: 500, moduleMemoryMiB: 1024 };

let compiled: Promise<WebAssembly.Module> | undefined;

/** The QuickJS WebAssembly code, compiled once per process (instantiating from it takes ~2.5 ms, compiling ~10x more). */
function compiledQuickJS(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    const bytes = await readFile(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"));
    return WebAssembly.compile(bytes);
  })();
  return compiled;
}

/**
 * Hands out QuickJS modules for VUs: one runtime per VU (own heap, limits and job queue), many runtimes per
 * module. A module's memory is fixed at creation because growing it detaches views the library holds
 * (quickjs-emscripten #240, reproduced here at VU 329 of 1000); pages are committed lazily, so an unused
 * reservation costs address space, not RAM. A pool belongs to one run: dropping it frees every module.
 */
export class WasmPool {
  readonly #options: WasmPoolOptions;
  readonly #modules: QuickJSWASMModule[] = [];
  #vusInLast = 0;

  constructor(options: WasmPoolOptions = defaultWasmPoolOptions) {
    this.#options = options;
  }

  /** A module with room for one more VU. */
  async moduleForNextVu(): Promise<QuickJSWASMModule> {
    if (this.#modules.length === 0 || this.#vusInLast >= this.#options.vusPerModule) {
      const pages = this.#options.moduleMemoryMiB * 16; // 64 KiB pages
      const module = await newQuickJSWASMModuleFromVariant(
        newVariant(RELEASE_SYNC, {
          wasmModule: await compiledQuickJS(),
          wasmMemory: new WebAssembly.Memory({ initial: pages, maximum: pages }),
        }),
      );
      this.#modules.push(module);
      this.#vusInLast = 0;
    }
    this.#vusInLast++;
    return this.#modules[this.#modules.length - 1]!;
  }

  /** Number of modules created so far. */
  get moduleCount(): number {
    return this.#modules.length;
  }
}
