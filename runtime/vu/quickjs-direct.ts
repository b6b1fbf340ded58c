import { Lifetime, type QuickJSContext, type QuickJSHandle } from "quickjs-emscripten-core";
import type { HostValue } from "../../stdlib/host-module.ts";

/**
 * A host function that reads its guest arguments itself (`args.value(i)`) and returns its result as an owned
 * pointer (0 for undefined; see DirectBridge.returnValue). Errors it throws become guest exceptions.
 */
export type RawHostFunction = (args: GuestArgs) => number;

/** The arguments of the guest→host call in progress; valid only until that call returns. */
export interface GuestArgs {
  readonly count: number;
  /** Argument `index` as a host value (undefined past the end). */
  value(index: number): HostValue;
  /** Whether argument `index` is given and not undefined. */
  defined(index: number): boolean;
  /** A new reference to argument `index` (an owned pointer), to keep a guest value past the call. */
  dup(index: number): number;
}

/** The parts of quickjs-emscripten-core 0.32.0 the bridge uses; not in its public types (the version is pinned). */
interface ContextInternals {
  cToHostCallbacks?: { callFunction: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number };
  ctx: { value: number };
  rt: { value: number };
  module: EmscriptenModule;
  ffi: Ffi;
  memory: { heapValueHandle(ptr: number): QuickJSHandle };
  getFunction(fnId: number): (...args: QuickJSHandle[]) => QuickJSHandle | { value?: QuickJSHandle; error?: QuickJSHandle } | void;
  errorToHandle(error: unknown): QuickJSHandle;
}

/** The emscripten module under a context (one per WASM module): its heap, and the callbacks C calls into JS by. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  UTF8ToString(ptr: number): string;
  lengthBytesUTF8(s: string): number;
  stringToUTF8(s: string, ptr: number, max: number): void;
  callbacks?: { callFunction: (asyncify: unknown, ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number };
  [DISPATCH]?: Map<number, GuestCallDispatcher>;
}

type GuestCallDispatcher = (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number;

/** Where a module keeps its contexts' direct dispatchers (see moduleDispatchers). */
const DISPATCH = Symbol("loadgen.directDispatch");

/**
 * The direct dispatchers of one WASM module's contexts, by context pointer. The first call patches the module's
 * C→JS entry so a guest→host call goes straight to its context's dispatcher: the library's entry wraps every call
 * in an asyncify handler and a closure, which the sync build never needs. Anything else (an asyncify call, a
 * context without a bridge) still takes the library's way.
 */
function moduleDispatchers(module: EmscriptenModule): Map<number, GuestCallDispatcher> {
  let dispatchers = module[DISPATCH];
  if (dispatchers === undefined) {
    const found = new Map<number, GuestCallDispatcher>();
    const callbacks = module.callbacks;
    if (callbacks !== undefined) {
      const viaLibrary = callbacks.callFunction;
      callbacks.callFunction = (asyncify, ctx, thisPtr, argc, argv, fnId) => {
        const direct = asyncify ? undefined : found.get(ctx);
        return direct !== undefined ? direct(ctx, thisPtr, argc, argv, fnId) : viaLibrary(asyncify, ctx, thisPtr, argc, argv, fnId);
      };
    }
    module[DISPATCH] = dispatchers = found;
  }
  return dispatchers;
}

interface Ffi {
  QTS_Call(ctx: number, fn: number, thisObj: number, argc: number, argvPtrs: number): number;
  QTS_ResolveException(ctx: number, ptr: number): number;
  QTS_FreeValuePointer(ctx: number, ptr: number): void;
  QTS_FreeValuePointerRuntime(rt: number, ptr: number): void;
  QTS_DupValuePointer(ctx: number, ptr: number): number;
  QTS_NewFloat64(ctx: number, n: number): number;
  QTS_GetFloat64(ctx: number, ptr: number): number;
  QTS_NewString(ctx: number, cstr: number): number;
  QTS_GetString(ctx: number, ptr: number): number;
  QTS_FreeCString(ctx: number, cstr: number): void;
  QTS_PromiseState(ctx: number, ptr: number): number;
  QTS_PromiseResult(ctx: number, ptr: number): number;
  QTS_ExecutePendingJob(rt: number, max: number, ctxOut: number): number;
  QTS_IsJobPending(rt: number): number;
  QTS_Throw(ctx: number, ptr: number): number;
  QTS_ArgvGetJSValueConstPointer(argv: number, i: number): number;
  QTS_NewPromiseCapability(ctx: number, resolveFuncsOut: number): number;
}

/** Promise states as QTS_PromiseState reports them (a negative value: not a promise). */
export const PROMISE_PENDING = 0;
export const PROMISE_FULFILLED = 1;
export const PROMISE_REJECTED = 2;

/**
 * How this QuickJS build lays out a JSValue (NaN-boxed, 8 bytes: payload word, tag word), read once per process
 * from values of known type and checked, so that argument types are read from memory instead of through
 * QTS_Typeof, which allocates and decodes a C string per call.
 */
interface ValueLayout {
  readonly int: number;
  readonly bool: number;
  readonly nul: number;
  readonly undef: number;
  readonly string: number;
  /** A string made by concatenation (QuickJS's rope), read as a string too; equal to `string` in a build without ropes. */
  readonly rope: number;
  /** Non-float tags lie in [minTag, maxTag]; a tag outside it is a float64. */
  readonly minTag: number;
  readonly maxTag: number;
}

let layout: ValueLayout | undefined;

/**
 * Direct calls into one QuickJS context through the library's FFI, for what runs once or more per iteration:
 * calling the iteration function, settling a host call, draining the job queue, reading a promise's state, and
 * reading the arguments of guest→host calls. The library's public API allocates handles, scopes, pointer arrays and
 * strings on each of these; profiles showed that work as a large share of an iteration. Everything else (init,
 * setup, errors) keeps using the library. Pointers here are the library's heap JSValue boxes: a pointer this class
 * returns as owned must be freed with `free()`.
 *
 * Written against quickjs-emscripten-core 0.32.0, pinned in package.json; `attach()` checks the internals it needs
 * and the value layout, and refuses to run against anything else rather than misread memory.
 */
export class DirectBridge {
  readonly #vm: QuickJSContext;
  readonly #in: ContextInternals;
  readonly #ffi: Ffi;
  readonly #ctx: number;
  readonly #rt: number;
  readonly #layout: ValueLayout;
  #i32: Int32Array;
  /** One malloc'd block per context: four argument pointers for QTS_Call, the job context out-pointer, then the
   * resolve/reject out-pointers of QTS_NewPromiseCapability. */
  readonly #scratch: number;
  readonly #raw = new WeakMap<object, RawHostFunction>();
  /** The error of the last failed call or drain, as an owned pointer (0 when none). */
  #error = 0;
  /** The context's own JSON.parse and JSON.stringify (owned), taken before any scenario code could replace them. */
  readonly #parse: number;
  readonly #stringify: number;
  /** Pointers of static values (never freed). */
  readonly undefinedPtr: number;
  readonly truePtr: number;
  readonly falsePtr: number;
  readonly nullPtr: number;
  // The guest→host call in progress (argument pointers are read lazily from it).
  #argv = 0;
  #argc = 0;
  readonly #args: GuestArgs;

  private constructor(vm: QuickJSContext, internals: ContextInternals, valueLayout: ValueLayout) {
    this.#vm = vm;
    this.#in = internals;
    this.#ffi = internals.ffi;
    this.#ctx = internals.ctx.value;
    this.#rt = internals.rt.value;
    this.#layout = valueLayout;
    this.#i32 = new Int32Array(internals.module.HEAPU8.buffer);
    this.#scratch = internals.module._malloc(32);
    this.undefinedPtr = (vm.undefined as unknown as Lifetime<number>).value;
    this.truePtr = (vm.true as unknown as Lifetime<number>).value;
    this.falsePtr = (vm.false as unknown as Lifetime<number>).value;
    this.nullPtr = (vm.null as unknown as Lifetime<number>).value;
    this.#parse = this.#builtin("JSON", "parse");
    this.#stringify = this.#builtin("JSON", "stringify");
    const self = this;
    this.#args = {
      get count() {
        return self.#argc;
      },
      value: (i) => (i < this.#argc ? this.read(this.#argv + i * 8) : undefined),
      defined: (i) => i < this.#argc && this.#heap()[((this.#argv + i * 8) >> 2) + 1] !== this.#layout.undef,
      dup: (i) => (i < this.#argc ? this.#ffi.QTS_DupValuePointer(this.#ctx, this.#argv + i * 8) : this.#ffi.QTS_DupValuePointer(this.#ctx, this.undefinedPtr)),
    };
    this.#installDispatcher();
  }

  /** Attaches a bridge to a context, or throws when the library's internals are not the ones it was written for. */
  static attach(vm: QuickJSContext): DirectBridge {
    const internals = vm as unknown as ContextInternals;
    const ffi = internals.ffi;
    if (
      !internals.cToHostCallbacks ||
      typeof internals.getFunction !== "function" ||
      typeof internals.memory?.heapValueHandle !== "function" ||
      typeof ffi?.QTS_Call !== "function" ||
      typeof ffi.QTS_ExecutePendingJob !== "function" ||
      !(internals.module?.HEAPU8 instanceof Uint8Array) ||
      ffi.QTS_ArgvGetJSValueConstPointer(1000, 2) !== 1016
    ) {
      throw new Error("loadgen: quickjs-emscripten-core internals differ from 0.32.0 (the version loadgen pins); reinstall with npm ci");
    }
    layout ??= readLayout(vm, internals);
    return new DirectBridge(vm, internals, layout);
  }

  /** The pointer (owned) of a global's property, e.g. JSON.parse. */
  #builtin(global: string, name: string): number {
    const vm = this.#vm;
    const object = vm.getProp(vm.global, global);
    const fn = vm.getProp(object, name);
    object.dispose();
    return this.release(fn);
  }

  /** Registers a guest-callable function whose host side reads its arguments directly (see RawHostFunction). */
  newRawFunction(name: string, fn: RawHostFunction): QuickJSHandle {
    const stub = (): void => {
      throw new Error(`${name}: raw host function called through the library`);
    };
    this.#raw.set(stub, fn);
    return this.#vm.newFunction(name, stub);
  }

  /**
   * The heap pointer behind a library handle, borrowed: the handle still owns it (pass it to call() while the handle
   * lives). Other files read a handle's internals only through this.
   */
  static pointer(handle: QuickJSHandle): number {
    return (handle as unknown as Lifetime<number>).value;
  }

  /** The pointer behind a library handle, released to the caller (owned); the handle is disposed. */
  release(handle: QuickJSHandle): number {
    const ptr = this.#ffi.QTS_DupValuePointer(this.#ctx, DirectBridge.pointer(handle));
    handle.dispose();
    return ptr;
  }

  /**
   * A new guest promise, returned as an owned pointer; its resolve and reject functions (owned pointers, to be
   * called with call() and then freed) are in `resolvePtr` and `rejectPtr` until the next newPromise().
   */
  newPromise(): number {
    const out = this.#scratch + 20;
    const promise = this.#ffi.QTS_NewPromiseCapability(this.#ctx, out);
    const i32 = this.#heap();
    this.resolvePtr = i32[out >> 2]!;
    this.rejectPtr = i32[(out >> 2) + 1]!;
    return promise;
  }
  resolvePtr = 0;
  rejectPtr = 0;

  /** Calls `fn` with up to three arguments (pointers). Returns the owned result pointer, or 0 when it threw (see takeError). */
  call(fn: number, argc: number, a0 = 0, a1 = 0, a2 = 0): number {
    const i32 = this.#heap();
    const base = this.#scratch >> 2;
    i32[base] = a0;
    i32[base + 1] = a1;
    i32[base + 2] = a2;
    const result = this.#ffi.QTS_Call(this.#ctx, fn, this.undefinedPtr, argc, this.#scratch);
    const error = this.#ffi.QTS_ResolveException(this.#ctx, result);
    if (error === 0) return result;
    this.#ffi.QTS_FreeValuePointer(this.#ctx, result);
    this.#error = error;
    return 0;
  }

  /** True when the runtime has jobs (promise reactions) waiting. */
  hasPendingJob(): boolean {
    return this.#ffi.QTS_IsJobPending(this.#rt) !== 0;
  }

  /** Runs every pending job. Returns false when one failed uncatchably (interrupt, out of memory; see takeError). */
  runJobs(): boolean {
    const out = this.#scratch + 16;
    const i32 = this.#heap();
    i32[out >> 2] = 0;
    const result = this.#ffi.QTS_ExecutePendingJob(this.#rt, -1, out);
    if (i32[out >> 2] === 0) {
      this.#ffi.QTS_FreeValuePointerRuntime(this.#rt, result);
      return true;
    }
    // Success is the count of jobs run (a number); anything else is the error a job failed with.
    const tag = i32[(result >> 2) + 1]!;
    if (tag === this.#layout.int || tag < this.#layout.minTag || tag > this.#layout.maxTag) {
      this.#ffi.QTS_FreeValuePointer(this.#ctx, result);
      return true;
    }
    this.#error = result;
    return false;
  }

  /** The error of the last failed call or drain, as a library handle the caller owns. */
  takeError(): QuickJSHandle {
    return this.#in.memory.heapValueHandle(this.takeErrorPointer());
  }

  /** The error of the last failed call or drain, as an owned pointer. */
  takeErrorPointer(): number {
    const ptr = this.#error;
    this.#error = 0;
    return ptr;
  }

  /** The state of a promise pointer (PROMISE_*; negative when it is not a promise). */
  promiseState(ptr: number): number {
    return this.#ffi.QTS_PromiseState(this.#ctx, ptr);
  }

  /** A settled promise's result, as a library handle the caller owns. */
  promiseResult(ptr: number): QuickJSHandle {
    return this.#in.memory.heapValueHandle(this.#ffi.QTS_PromiseResult(this.#ctx, ptr));
  }

  free(ptr: number): void {
    this.#ffi.QTS_FreeValuePointer(this.#ctx, ptr);
  }

  /**
   * A guest value for a host value, as a pointer for call(). Numbers and strings are new (owned: free them with
   * `free()`); the rest point at static values. Objects arrive as JSON text from the stdlib, so they never come here.
   */
  valuePtr(value: HostValue): number {
    switch (typeof value) {
      case "number":
        return this.#ffi.QTS_NewFloat64(this.#ctx, value);
      case "string":
        return this.#newString(value);
      case "boolean":
        return value ? this.truePtr : this.falsePtr;
      case "undefined":
        return this.undefinedPtr;
      default:
        return this.nullPtr;
    }
  }

  /** Whether valuePtr(value) returned an owned pointer. */
  static owned(value: HostValue): boolean {
    return typeof value === "number" || typeof value === "string";
  }

  /** Reads the guest value a pointer points at as a host value (objects as their JSON text, the slow path). */
  read(ptr: number): HostValue {
    const i32 = this.#heap();
    const tag = i32[(ptr >> 2) + 1]!;
    const l = this.#layout;
    if (tag === l.int) return i32[ptr >> 2]!;
    if (tag === l.string || tag === l.rope) return this.#getString(ptr);
    if (tag === l.undef) return undefined;
    if (tag < l.minTag || tag > l.maxTag) return this.#ffi.QTS_GetFloat64(this.#ctx, ptr);
    if (tag === l.bool) return i32[ptr >> 2] !== 0;
    if (tag === l.nul) return null;
    // Objects, symbols, bigints: rare; the library reads them.
    const handle = this.#in.memory.heapValueHandle(this.#ffi.QTS_DupValuePointer(this.#ctx, ptr));
    try {
      const type = this.#vm.typeof(handle);
      if (type === "bigint") return Number(this.#vm.getBigInt(handle));
      if (type === "symbol") return String(this.#vm.dump(handle));
      const v = this.#vm.dump(handle) as unknown;
      return v === null || v === undefined ? null : JSON.stringify(v);
    } finally {
      handle.dispose();
    }
  }

  #heap(): Int32Array {
    // The pool gives every module fixed memory, so the view never detaches; should memory ever grow, the old
    // buffer detaches and the view's length drops to 0.
    if (this.#i32.length === 0) this.#i32 = new Int32Array(this.#in.module.HEAPU8.buffer);
    return this.#i32;
  }

  /**
   * A guest string as a host string. Strings cross as NUL-terminated UTF-8, so one with a NUL in it (or a lone
   * surrogate, which UTF-8 cannot carry) comes out shorter than the guest's own length, read from its JSString
   * header: that rare string crosses again as JSON text instead, which escapes both.
   */
  #getString(ptr: number): string {
    const cstr = this.#ffi.QTS_GetString(this.#ctx, ptr);
    const s = this.#in.module.UTF8ToString(cstr);
    this.#ffi.QTS_FreeCString(this.#ctx, cstr);
    if (s.length === stringLength(this.#heap(), ptr)) return s;
    const json = this.call(this.#stringify, 1, ptr);
    if (json === 0) throw this.#crossingError();
    const cjson = this.#ffi.QTS_GetString(this.#ctx, json);
    const text = this.#in.module.UTF8ToString(cjson);
    this.#ffi.QTS_FreeCString(this.#ctx, cjson);
    this.free(json);
    return JSON.parse(text) as string;
  }

  /** The error of a failed JSON crossing (never expected: the builtins were taken before any scenario code). */
  #crossingError(): Error {
    const e = this.takeError();
    const text = String(this.#vm.dump(e));
    e.dispose();
    return new Error(`loadgen: a string could not cross the VU boundary: ${text}`);
  }

  /** A host string as a new guest string (owned). One with a NUL in it crosses as JSON text (see #getString). */
  #newString(s: string): number {
    const nul = s.indexOf("\0") !== -1;
    const text = nul ? JSON.stringify(s) : s;
    const m = this.#in.module;
    const bytes = m.lengthBytesUTF8(text) + 1;
    const cstr = m._malloc(bytes);
    m.stringToUTF8(text, cstr, bytes);
    const ptr = this.#ffi.QTS_NewString(this.#ctx, cstr);
    m._free(cstr);
    if (!nul) return ptr;
    const parsed = this.call(this.#parse, 1, ptr);
    this.free(ptr);
    if (parsed === 0) throw this.#crossingError();
    return parsed;
  }

  /** A host value as the owned pointer a raw host function returns (0 is undefined; the C side frees the box). */
  returnValue(value: HostValue): number {
    if (value === undefined) return 0;
    const ptr = this.valuePtr(value);
    return DirectBridge.owned(value) ? ptr : this.#ffi.QTS_DupValuePointer(this.#ctx, ptr);
  }

  /**
   * Replaces the library's dispatcher for guest→host calls on this context, and registers it with the module's entry
   * (moduleDispatchers). The library wraps every call in a Scope and a generator (so host functions may suspend under
   * asyncify); loadgen uses the sync build, its host functions never suspend, and that wrapping was the largest single
   * cost of a host call. Raw functions read their arguments
   * from memory; other functions keep the library's contract (borrowed handles, the returned handle duplicated into
   * C and disposed here, a thrown error turned into a guest exception).
   */
  #installDispatcher(): void {
    const internals = this.#in;
    const ffi = this.#ffi;
    const ctxPtr = this.#ctx;
    const dispatch: GuestCallDispatcher = (ctx, _thisPtr, argc, argv, fnId) => {
      if (ctx !== ctxPtr) throw new Error("QuickJSContext instance received C -> JS call with mismatched ctx");
      const fn = internals.getFunction(fnId);
      try {
        const raw = this.#raw.get(fn);
        if (raw !== undefined) {
          const outerArgv = this.#argv;
          const outerArgc = this.#argc;
          this.#argv = argv;
          this.#argc = argc;
          try {
            return raw(this.#args);
          } finally {
            this.#argv = outerArgv;
            this.#argc = outerArgc;
          }
        }
        const args = new Array<QuickJSHandle>(argc);
        for (let i = 0; i < argc; i++) args[i] = internals.memory.heapValueHandle(ffi.QTS_DupValuePointer(ctxPtr, argv + i * 8));
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
        } finally {
          for (const a of args) a.dispose();
        }
      } catch (error) {
        const errorHandle = internals.errorToHandle(error);
        try {
          return ffi.QTS_Throw(ctxPtr, (errorHandle as unknown as Lifetime<number>).value);
        } finally {
          errorHandle.dispose();
        }
      }
    };
    internals.cToHostCallbacks!.callFunction = dispatch;
    moduleDispatchers(internals.module).set(ctxPtr, dispatch);
  }
}

/**
 * A guest string's length in UTF-16 units, read from its JSString header (after the 32-bit reference count: a 31-bit
 * length and the wide-character bit). readLayout checks this against strings of known length.
 */
function stringLength(i32: Int32Array, ptr: number): number {
  return i32[(i32[ptr >> 2]! >> 2) + 1]! & 0x7fffffff;
}

/** Reads the tag word of values of known type and checks that it tells them apart. */
function readLayout(vm: QuickJSContext, internals: ContextInternals): ValueLayout {
  const i32 = new Int32Array(internals.module.HEAPU8.buffer);
  const tagOf = (source: string): number => {
    const h = vm.evalCode(source).unwrap() as unknown as Lifetime<number>;
    try {
      return i32[(h.value >> 2) + 1]!;
    } finally {
      h.dispose();
    }
  };
  const l = {
    int: tagOf("1"),
    bool: tagOf("true"),
    nul: tagOf("null"),
    undef: tagOf("undefined"),
    string: tagOf("'s'"),
  };
  // Long concatenations are ropes, with a tag of their own: read as an object (JSON text) they reached the host quoted.
  const rope = tagOf("'a'.repeat(1000) + 'b'.repeat(1000)");
  const fast = [l.int, l.bool, l.nul, l.undef, l.string];
  const others = [tagOf("({})"), tagOf("Symbol()"), tagOf("10n"), tagOf("10n ** 40n")];
  const minTag = Math.min(...fast, ...others);
  const maxTag = Math.max(...fast, ...others);
  const floats = ["1.5", "-0", "NaN", "2 ** 31", "-1e300", "Infinity", "-Infinity", "5e-324"].map(tagOf);
  const distinct = new Set(fast).size === fast.length && !others.some((t) => fast.includes(t)) && (rope === l.string || !(fast.includes(rope) || others.includes(rope)));
  if (!distinct || maxTag - minTag > 64 || floats.some((t) => t >= minTag && t <= maxTag)) {
    throw new Error(`loadgen: unexpected QuickJS value layout (tags ${[...fast, ...others].join(",")}; floats ${floats.join(",")})`);
  }
  const lengths = ["''", "'abc'", "'\\u00e9\\u20ac'", "'a\\u0000b'", "'x'.repeat(70000)", "'a'.repeat(1000) + 'b'.repeat(1000)"].map((source) => {
    const h = vm.evalCode(source).unwrap() as unknown as Lifetime<number>;
    try {
      return stringLength(i32, h.value);
    } finally {
      h.dispose();
    }
  });
  if (lengths.join() !== "0,3,2,3,70000,2000") throw new Error(`loadgen: unexpected QuickJS string layout (lengths ${lengths.join()}, not 0,3,2,3,70000,2000)`);
  return { ...l, rope, minTag, maxTag };
}
