import { Lifetime, WeakLifetime, type QuickJSContext, type QuickJSHandle } from "quickjs-emscripten-core";

/** The parts of a QuickJSContext (quickjs-emscripten-core 0.32.0) the lean path uses; not in its public types. */
interface ContextInternals {
  cToHostCallbacks?: { callFunction: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number };
  ctx: { value: number };
  ffi: { QTS_ArgvGetJSValueConstPointer(argv: number, i: number): number; QTS_DupValuePointer(ctx: number, ptr: number): number; QTS_Throw(ctx: number, ptr: number): number };
  memory: { copyJSValue: unknown; freeJSValue: unknown };
  getFunction(fnId: number): (...args: QuickJSHandle[]) => QuickJSHandle | { value?: QuickJSHandle; error?: QuickJSHandle } | void;
  errorToHandle(error: unknown): QuickJSHandle;
}

/**
 * Replaces the library's dispatcher for guest→host calls on one context with a direct one. The library wraps every
 * call in a Scope and a generator so that host functions may be async under asyncify; loadgen uses the sync build
 * and its host functions never suspend, and that wrapping was the largest single cost of a host call in profiles.
 * The replacement keeps the library's contract: borrowed argument handles, the returned handle duplicated into C and
 * disposed here, a thrown error turned into a guest exception. Written against quickjs-emscripten-core 0.32.0 (pinned
 * in package.json); when the internals it needs are missing it leaves the library's dispatcher in place.
 * @returns whether the lean dispatcher is installed.
 */
export function installLeanHostCalls(vm: QuickJSContext): boolean {
  const internals = vm as unknown as ContextInternals;
  const callbacks = internals.cToHostCallbacks;
  if (!callbacks || typeof internals.getFunction !== "function" || !internals.ffi?.QTS_ArgvGetJSValueConstPointer) return false;
  const ffi = internals.ffi;
  const ctxPtr = internals.ctx.value;
  const { copyJSValue, freeJSValue } = internals.memory;
  const runtime = vm.runtime;
  callbacks.callFunction = (ctx, _thisPtr, argc, argv, fnId) => {
    if (ctx !== ctxPtr) throw new Error("QuickJSContext instance received C -> JS call with mismatched ctx");
    const fn = internals.getFunction(fnId);
    const args = new Array<QuickJSHandle>(argc);
    for (let i = 0; i < argc; i++) {
      args[i] = new WeakLifetime(ffi.QTS_ArgvGetJSValueConstPointer(argv, i), copyJSValue as never, freeJSValue as never, runtime) as unknown as QuickJSHandle;
    }
    try {
      const result = fn(...args);
      if (!result) return 0;
      if (!(result instanceof Lifetime)) {
        if (result.error) throw result.error;
        if (!result.value) return 0;
      }
      const handle = (result instanceof Lifetime ? result : result.value!) as unknown as Lifetime<number>;
      const dup = ffi.QTS_DupValuePointer(ctxPtr, handle.value);
      handle.dispose(); // as the library's scope would; a static handle (undefined, true…) ignores it
      return dup;
    } catch (error) {
      const errorHandle = internals.errorToHandle(error);
      try {
        return ffi.QTS_Throw(ctxPtr, errorHandle.value as unknown as number);
      } finally {
        errorHandle.dispose();
      }
    }
  };
  return true;
}
