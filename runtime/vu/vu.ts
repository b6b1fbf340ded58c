import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import type { StackMapper } from "../bundle/source-map.ts";
import type { Metric } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { HostValue, LifecyclePhase, VuContext } from "../../stdlib/host-module.ts";
import { readGuestError, type GuestError } from "./guest-error.ts";
import { DRIVER_SOURCE, envSource, GLOBAL_NAMES, LAZY_GLOBALS } from "./guest-globals.ts";
import type { HostTable } from "./host-table.ts";
import { DirectBridge, PROMISE_PENDING, PROMISE_REJECTED, type GuestArgs, type RawHostFunction } from "./quickjs-direct.ts";

/** Everything a VU needs from its run; shared by all VUs of the run, never mutated by them. */
export interface VuBlueprint {
  /** The bundled scenario module, its file name, and the mapper for its stack traces. */
  readonly code: string;
  readonly moduleName: string;
  readonly mapper: StackMapper;
  /** The run's environment (`-e`) as JSON text, the base of every VU's `__ENV`. */
  readonly envJson: string;
  /** The run's host functions by name, for the stdlib shims' bindings. */
  readonly hostFunctions: HostTable;
  readonly engine: MetricsEngine;
  readonly limits: VuLimits;
}

/** Per-VU resource limits. */
export interface VuLimits {
  /** Longest stretch of JavaScript a VU may run without awaiting, in ms; a stuck loop is interrupted after it. */
  readonly blockingTimeoutMs: number;
  /** QuickJS heap limit of one VU in bytes (objects; see quickjs-emscripten #271 for what it does not count). */
  readonly memoryLimitBytes: number;
  /** Guest stack limit in bytes; keeps deep recursion a guest error instead of a host stack overflow. */
  readonly maxStackBytes: number;
}

/** How one call into the scenario ended. */
export type CallOutcome =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly error: GuestError };

/** #deadline while guest code runs and the interrupt handler has not read the clock yet. */
const ARMED = -1;

const OK_NO_RESULT: CallOutcome = Object.freeze({ ok: true, json: undefined });

/** A run in flight: the token ties the guest driver's done() call to it; late calls of a stopped run are ignored. */
interface PendingCall {
  token: number;
  mode: 0 | 1 | 2;
  resolve(outcome: CallOutcome): void;
}

/**
 * One virtual user: its own QuickJS runtime and context (own heap, limits and job queue), running the
 * scenario's init code once and then one function call at a time. Host calls from the guest arrive here and
 * are dispatched to the stdlib's host functions; their outcomes settle the promises those calls returned, after which
 * the VU drains its job queue right away (settlements arrive on host microtasks, never inside guest code).
 */
export class VirtualUser implements VuContext {
  readonly id: number;
  readonly #bp: VuBlueprint;
  readonly #rt: QuickJSRuntime;
  readonly #vm: QuickJSContext;
  /** The per-iteration calls go through this (see quickjs-direct.ts); the rest through the library. */
  readonly #direct: DirectBridge;
  /** Built on the first setup/teardown/handleSummary call (DRIVER_SOURCE); scenario VUs rarely need one. */
  #driver: QuickJSHandle | undefined;
  /** The value a mode-2 call awaited (the module namespace under top-level await). */
  #awaited: QuickJSHandle | undefined;
  /** The promise (or value) of the iteration in flight, as an owned pointer (0: none). */
  #iteration = 0;
  /** The scenario `env` layered over the run's in `__ENV` (undefined: none). */
  #envJson: string | undefined;
  /** The `__loadgen` binder object, handed to lazily built globals. */
  #binder!: QuickJSHandle;
  /** The driver's mode argument as handles made once, not per call. */
  #modes: QuickJSHandle[] = [];
  #namespace!: QuickJSHandle;
  #data: QuickJSHandle | undefined;
  readonly #functions = new Map<string, QuickJSHandle | null>();
  /** When the guest code running now must stop (ms since epoch); 0 when none runs, ARMED until the clock is read. */
  #deadline = 0;
  #token = 0;
  #pending: PendingCall | undefined;
  #abort: AbortController | undefined;
  /** Set when the VU was interrupted or ran out of memory: its heap may be inconsistent, so it is never reused. */
  #broken = false;

  // VuContext, read by host functions.
  scenario: string | undefined;
  iterationInScenario = 0;
  scenarioIterationInTest = 0;
  phase: LifecyclePhase = "init";
  tags: TagSet;
  #baseTags: TagSet;
  #groupPath = "";

  private constructor(id: number, module: QuickJSWASMModule, bp: VuBlueprint, tags: TagSet) {
    this.id = id;
    this.#bp = bp;
    this.#baseTags = tags;
    this.tags = tags;
    this.#rt = module.newRuntime();
    this.#rt.setMaxStackSize(bp.limits.maxStackBytes);
    this.#rt.setMemoryLimit(bp.limits.memoryLimitBytes);
    // QuickJS asks every ~10,000 steps; the first ask of a call starts its clock, so calls that end sooner (every
    // iteration step, every settlement) never read the time.
    this.#rt.setInterruptHandler(() => {
      const deadline = this.#deadline;
      if (deadline === 0) return false;
      const now = Date.now();
      if (deadline !== ARMED) return now > deadline;
      this.#deadline = now + this.#bp.limits.blockingTimeoutMs;
      return false;
    });
    this.#vm = this.#rt.newContext();
    this.#direct = DirectBridge.attach(this.#vm);
  }

  /**
   * Creates a VU and runs the scenario's init code in it (as k6 does, once per VU).
   * @returns the VU, or the init error (mapped to the TypeScript line) when the init code threw.
   */
  static async create(
    id: number,
    module: QuickJSWASMModule,
    bp: VuBlueprint,
    tags: TagSet,
  ): Promise<{ vu: VirtualUser } | { error: GuestError }> {
    const vu = new VirtualUser(id, module, bp, tags);
    const error = await vu.#init();
    return error ? { error } : { vu };
  }

  async #init(): Promise<GuestError | undefined> {
    const vm = this.#vm;
    this.#installGlobals();

    const evaluated = this.#guard(() => vm.evalCode(this.#bp.code, this.#bp.moduleName, { type: "module" }));
    if (evaluated.error) return this.#takeError(evaluated.error);
    // With top-level await the module evaluates to a promise of its namespace: wait for it like any other call.
    if (vm.typeof(evaluated.value) === "object" && vm.getPromiseState(evaluated.value).type !== "fulfilled") {
      const outcome = await this.#invoke(evaluated.value, vm.undefined, 2);
      evaluated.value.dispose();
      if (!outcome.ok) return outcome.error;
      this.#namespace = this.#awaited!;
      this.#awaited = undefined;
    } else {
      const state = vm.getPromiseState(evaluated.value);
      if (state.type === "fulfilled" && !state.notAPromise) {
        this.#namespace = state.value;
        evaluated.value.dispose();
      } else {
        this.#namespace = evaluated.value;
      }
    }
    this.phase = "setup";
    return undefined;
  }

  /** Names of the functions the scenario exports (default, setup, teardown, handleSummary, exec targets). */
  exportedFunctions(): string[] {
    const json = this.#evalHelper("(ns) => JSON.stringify(Object.keys(ns).filter((k) => typeof ns[k] === 'function'))", this.#namespace);
    return JSON.parse(json) as string[];
  }

  /** The scenario's exported `options` as JSON text, or undefined when it exports none. */
  optionsJson(): string | undefined {
    const json = this.#evalHelper("(ns) => ns.options === undefined ? '' : JSON.stringify(ns.options)", this.#namespace);
    return json === "" ? undefined : json;
  }

  /** Gives the VU setup()'s result; each VU decodes its own copy, as in k6. */
  setData(json: string | undefined): void {
    this.#data?.dispose();
    this.#data = undefined;
    if (json === undefined) return;
    const vm = this.#vm;
    const parse = this.#guard(() => vm.evalCode("JSON.parse")).unwrap();
    const text = vm.newString(json);
    try {
      this.#data = this.#guard(() => vm.callFunction(parse, vm.undefined, text)).unwrap();
    } finally {
      text.dispose();
      parse.dispose();
    }
  }

  /** Moves the VU into a scenario: its samples carry these tags from now on. */
  enterScenario(name: string, tags: TagSet, envJson?: string): void {
    if (this.scenario !== name) this.iterationInScenario = 0;
    this.scenario = name;
    if (envJson !== this.#envJson) {
      // A scenario's `env` is layered over the run's __ENV for its iterations (k6 semantics).
      this.#envJson = envJson;
      this.#defineEnv();
    }
    this.#baseTags = tags;
    this.#groupPath = "";
    this.tags = tags;
    this.phase = "iteration";
  }

  /** Runs one exported function once with the setup data (an iteration); resolves when it and its awaits end. */
  iterate(functionName: string): Promise<CallOutcome> {
    const fn = this.#function(functionName);
    if (!fn) return Promise.resolve(notAFunction(functionName));
    this.#groupPath = "";
    this.tags = this.#baseTags;
    this.#abort = undefined;
    // The hot path calls the function itself, not through the driver: its promise's state is read after each
    // drain of the job queue (one cheap call), which saves the driver's then() job and a guest-to-host report.
    const direct = this.#direct;
    return new Promise((resolve) => {
      this.#pending = { token: 0, mode: 0, resolve };
      const armed = this.#arm();
      const result = direct.call(DirectBridge.pointer(fn), 1, this.#data === undefined ? direct.undefinedPtr : DirectBridge.pointer(this.#data));
      this.#disarm(armed);
      if (result === 0) return this.#failPending(direct.takeError());
      this.#iteration = result;
      this.#drain();
    });
  }

  /** Ends the iteration in flight once its promise has settled (called after every drain). */
  #checkIteration(): void {
    const direct = this.#direct;
    const ptr = this.#iteration;
    const state = direct.promiseState(ptr);
    if (state === PROMISE_PENDING) return;
    this.#iteration = 0;
    const pending = this.#pending;
    this.#pending = undefined;
    if (state !== PROMISE_REJECTED) {
      // fulfilled, or not a promise at all (a synchronous default function)
      direct.free(ptr);
      pending?.resolve(OK_NO_RESULT);
    } else {
      const reason = direct.promiseResult(ptr);
      direct.free(ptr);
      const error = this.#takeError(reason);
      if (error.kind !== "exception") this.#broken = true;
      pending?.resolve({ ok: false, error });
    }
  }

  /** Calls setup/teardown/handleSummary: `argJson` decoded as its argument, its result returned as JSON text. */
  async callForResult(functionName: string, argJson: string | undefined, phase: LifecyclePhase): Promise<CallOutcome> {
    const fn = this.#function(functionName);
    if (!fn) return notAFunction(functionName);
    this.phase = phase;
    this.setData(argJson);
    return this.#invoke(fn, this.#data ?? this.#vm.undefined, 1);
  }

  /** True when the scenario exports a function of this name. */
  hasFunction(name: string): boolean {
    return this.#function(name) !== undefined;
  }

  /**
   * Stops the call in flight now (gracefulStop ran out, or the run ends): its promise resolves as interrupted,
   * host calls see their signal aborted, and the VU is marked broken so the pool replaces it.
   */
  interrupt(reason: string): void {
    this.#broken = true;
    this.#dropIteration();
    this.#abort?.abort(new Error(reason));
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      pending.resolve({ ok: false, error: { name: "InternalError", message: reason, stack: "", location: undefined, kind: "interrupted" } });
    }
  }

  #dropIteration(): void {
    if (this.#iteration !== 0) this.#direct.free(this.#iteration);
    this.#iteration = 0;
  }

  /** The VU was interrupted or exhausted its memory; do not run it again. */
  get broken(): boolean {
    return this.#broken;
  }

  // ---- VuContext ----

  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    return this.#abort.signal;
  }

  emit(metric: Metric, value: number, tags?: TagSet): void {
    this.#bp.engine.add(metric, tags ?? this.tags, value);
  }

  /** The `::`-joined group path (k6's form; "" at the root). */
  get groupPath(): string {
    return this.#groupPath;
  }

  /** Enters or leaves a group (loadgen's group()): samples inside carry `group: ::a::b`. */
  setGroupPath(path: string): void {
    this.#groupPath = path;
    this.tags = path === "" ? this.#baseTags : this.#baseTags.with("group", path);
  }

  // ---- the bridge ----

  #invoke(fn: QuickJSHandle, arg: QuickJSHandle, mode: 1 | 2): Promise<CallOutcome> {
    const vm = this.#vm;
    // The guest driver counts its calls too, so both sides agree on the token without passing it in.
    const token = ++this.#token;
    return new Promise((resolve) => {
      this.#pending = { token, mode, resolve };
      const driver = (this.#driver ??= this.#makeDriver());
      const r = this.#guard(() => vm.callFunction(driver, vm.undefined, fn, arg, this.#modes[mode]!));
      if (r.error) this.#failPending(r.error);
      else {
        r.value.dispose();
        this.#drain();
      }
    });
  }

  #makeDriver(): QuickJSHandle {
    const vm = this.#vm;
    this.#modes = [vm.undefined, vm.newNumber(1), vm.newNumber(2)];
    const done = vm.newFunction("done", this.#done);
    const factory = this.#guard(() => vm.evalCode(DRIVER_SOURCE, "loadgen-driver.js")).unwrap();
    try {
      return this.#guard(() => vm.callFunction(factory, vm.undefined, done)).unwrap();
    } finally {
      factory.dispose();
      done.dispose();
    }
  }

  /** Runs guest code with the blocking deadline armed; the interrupt handler fires past it. */
  #guard<T>(run: () => T): T {
    const armed = this.#arm();
    try {
      return run();
    } finally {
      this.#disarm(armed);
    }
  }

  /** Arms the blocking deadline unless an outer call did; returns whether this call armed it (for #disarm). */
  #arm(): boolean {
    if (this.#deadline !== 0) return false;
    this.#deadline = ARMED;
    return true;
  }

  #disarm(armed: boolean): void {
    if (armed) this.#deadline = 0;
  }

  #drain(): void {
    if (this.#broken && !this.#pending) return;
    const direct = this.#direct;
    if (direct.hasPendingJob()) {
      const armed = this.#arm();
      const ok = direct.runJobs();
      this.#disarm(armed);
      if (!ok) return this.#failPending(direct.takeError());
    }
    if (this.#iteration !== 0) this.#checkIteration();
  }

  /** An error escaped the driver (an uncatchable interrupt or OOM): it ends the call in flight. */
  #failPending(errorHandle: QuickJSHandle): void {
    this.#dropIteration();
    const error = this.#takeError(errorHandle);
    if (error.kind !== "exception") this.#broken = true;
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      pending.resolve({ ok: false, error });
    }
  }

  #takeError(handle: QuickJSHandle): GuestError {
    const error = readGuestError(this.#vm, handle, this.#bp.mapper);
    handle.dispose();
    if (error.kind === "out-of-memory") this.#broken = true;
    return error;
  }

  /** The driver's report: done(token, error?, result?). */
  readonly #done = (tokenH: QuickJSHandle, errorH?: QuickJSHandle, valueH?: QuickJSHandle): void => {
    const vm = this.#vm;
    const pending = this.#pending;
    if (!pending || vm.getNumber(tokenH) !== pending.token) return;
    this.#pending = undefined;
    if (errorH !== undefined && vm.typeof(errorH) !== "undefined") {
      const error = readGuestError(vm, errorH, this.#bp.mapper);
      if (error.kind !== "exception") this.#broken = true;
      pending.resolve({ ok: false, error });
    } else if (pending.mode === 1) {
      const json = valueH !== undefined && vm.typeof(valueH) === "string" ? vm.getString(valueH) : undefined;
      pending.resolve({ ok: true, json });
    } else {
      // mode 2: the awaited value itself (iterations, mode 0, never go through the driver)
      this.#awaited = valueH?.dup();
      pending.resolve(OK_NO_RESULT);
    }
  };

  // ---- the global object ----

  /**
   * Puts loadgen's globals on the VU's global object from the host, compiling nothing: `__loadgen` (the binder the
   * stdlib shims use), and `__ENV`, `open` and `console`, each built on first use.
   */
  #installGlobals(): void {
    const vm = this.#vm;
    const direct = this.#direct;
    const binder = vm.newObject();
    // defineProp without `writable` makes read-only properties; not configurable, so scenarios cannot replace them.
    direct.newRawFunction("sync", this.#bindSync).consume((f) => vm.defineProp(binder, "sync", { value: f }));
    direct.newRawFunction("variadic", this.#bindSync).consume((f) => vm.defineProp(binder, "variadic", { value: f }));
    direct.newRawFunction("async", this.#bindAsync).consume((f) => vm.defineProp(binder, "async", { value: f }));
    vm.defineProp(vm.global, GLOBAL_NAMES.binder, { value: binder });
    this.#binder = binder;
    this.#defineEnv();
    for (const name of GLOBAL_NAMES.lazy) this.#defineLazy(name);
  }

  /** `__ENV`, evaluated on first read and then a plain read-only property; redefined when a scenario brings `env`. */
  #defineEnv(): void {
    const vm = this.#vm;
    const name = GLOBAL_NAMES.env;
    const scenarioEnv = this.#envJson;
    vm.defineProp(vm.global, name, {
      configurable: true,
      get: () => {
        const value = this.#guard(() => vm.evalCode(envSource(this.#bp.envJson, scenarioEnv), "loadgen-env.js")).unwrap();
        vm.defineProp(vm.global, name, { value, configurable: true });
        return value;
      },
    });
  }

  /** A global built from LAZY_GLOBALS on first read (most VUs never touch open() or console). */
  #defineLazy(name: string): void {
    const vm = this.#vm;
    let value: QuickJSHandle | undefined;
    vm.defineProp(vm.global, name, {
      configurable: true,
      get: () => {
        if (value === undefined) {
          const factory = this.#guard(() => vm.evalCode(LAZY_GLOBALS[name]!, `loadgen-${name}.js`)).unwrap();
          try {
            value = this.#guard(() => vm.callFunction(factory, vm.undefined, this.#binder)).unwrap();
          } finally {
            factory.dispose();
          }
        }
        return value.dup();
      },
      set: (next: QuickJSHandle) => {
        value?.dispose();
        value = next.dup();
      },
    });
  }

  // ---- host functions, as the stdlib shims bind them ----

  /** `__loadgen.sync(name)` (and `variadic`): a guest function that calls the host function `name` synchronously. */
  readonly #bindSync: RawHostFunction = (args) => {
    const name = String(args.value(0));
    const fn = this.#bp.hostFunctions.sync.get(name);
    if (fn === undefined) throw new Error(`loadgen: no host function ${name}`);
    const direct = this.#direct;
    return direct.release(direct.newRawFunction(name, (a) => direct.returnValue(callWith(fn, this, a, 0))));
  };

  /**
   * `__loadgen.async(name, then?)`: a guest function that starts the host function `name` and returns a promise,
   * which the host settles with the outcome, shaped by `then` when given (see #settle).
   */
  readonly #bindAsync: RawHostFunction = (args) => {
    const name = String(args.value(0));
    const fn = this.#bp.hostFunctions.async.get(name);
    if (fn === undefined) throw new Error(`loadgen: no host function ${name}`);
    // Kept for the VU's life, like the bound function itself.
    const then = args.defined(1) ? args.dup(1) : 0;
    const direct = this.#direct;
    return direct.release(
      direct.newRawFunction(name, (a) => {
        let outcome: Promise<HostValue>;
        try {
          outcome = callWith(fn, this, a, 0);
        } catch (error) {
          outcome = Promise.reject(error);
        }
        const promise = direct.newPromise();
        const resolve = direct.resolvePtr;
        const reject = direct.rejectPtr;
        outcome.then(
          (value) => this.#settle(resolve, reject, then, value, undefined),
          (error: unknown) => this.#settle(resolve, reject, then, undefined, error ?? new Error("host call failed")),
        );
        return promise;
      }),
    );
  };

  /**
   * Settles the guest promise of an async host call: resolve(then ? then(value) : value), or reject(error); a
   * `then` that throws rejects the promise with its error. The job queue is drained at once: the continuation the settlement woke runs before this returns.
   */
  #settle(resolve: number, reject: number, then: number, value: HostValue, error: unknown): void {
    const direct = this.#direct;
    if (this.#broken && !this.#pending) {
      // an interrupted VU is never resumed
      direct.free(resolve);
      direct.free(reject);
      return;
    }
    const armed = this.#arm();
    let settleWith = reject;
    let argument: number;
    let owned = false;
    let errorHandle: QuickJSHandle | undefined;
    if (error === undefined) {
      settleWith = resolve;
      argument = direct.valuePtr(value);
      owned = DirectBridge.owned(value);
      if (then !== 0) {
        const shaped = direct.call(then, 1, argument);
        if (owned) direct.free(argument);
        owned = true;
        if (shaped !== 0) argument = shaped;
        else {
          argument = direct.takeErrorPointer();
          settleWith = reject;
        }
      }
    } else {
      errorHandle = this.#newGuestError(error);
      argument = DirectBridge.pointer(errorHandle);
    }
    const result = direct.call(settleWith, 1, argument);
    this.#disarm(armed);
    if (errorHandle !== undefined) errorHandle.dispose();
    else if (owned) direct.free(argument);
    direct.free(resolve);
    direct.free(reject);
    if (result === 0) this.#failPending(direct.takeError());
    else direct.free(result);
    this.#drain();
  }

  #newGuestError(error: unknown): QuickJSHandle {
    const e = error as { name?: unknown; message?: unknown; code?: unknown; status?: unknown };
    const handle = this.#vm.newError({
      name: typeof e?.name === "string" ? e.name : "Error",
      message: typeof e?.message === "string" ? e.message : String(error),
    });
    // Structured fields (an HTTP status, an error code) let scenarios branch on them in a catch.
    if (typeof e?.code === "string") this.#vm.newString(e.code).consume((h) => this.#vm.setProp(handle, "code", h));
    if (typeof e?.status === "number") this.#vm.newNumber(e.status).consume((h) => this.#vm.setProp(handle, "status", h));
    return handle;
  }

  #function(name: string): QuickJSHandle | undefined {
    let fn = this.#functions.get(name);
    if (fn === undefined) {
      const h = this.#vm.getProp(this.#namespace, name);
      if (this.#vm.typeof(h) === "function") fn = h;
      else {
        h.dispose();
        fn = null;
      }
      this.#functions.set(name, fn);
    }
    return fn ?? undefined;
  }

  #evalHelper(source: string, arg: QuickJSHandle): string {
    const vm = this.#vm;
    const fn = this.#guard(() => vm.evalCode(source)).unwrap();
    try {
      const r = this.#guard(() => vm.callFunction(fn, vm.undefined, arg));
      if (r.error) throw new Error(readGuestError(vm, r.error, this.#bp.mapper).message);
      return r.value.consume((h) => vm.getString(h));
    } finally {
      fn.dispose();
    }
  }
}

function notAFunction(name: string): CallOutcome {
  return {
    ok: false,
    error: { name: "TypeError", message: `the script exports no function "${name}"`, stack: "", location: undefined, kind: "exception" },
  };
}

/** Calls a host function with the guest's arguments from `first` on, read as host values (exactly as many as given). */
function callWith<R>(fn: (vu: VuContext, ...args: HostValue[]) => R, vu: VuContext, args: GuestArgs, first: number): R {
  switch (args.count - first) {
    case 0:
      return fn(vu);
    case 1:
      return fn(vu, args.value(first));
    case 2:
      return fn(vu, args.value(first), args.value(first + 1));
    case 3:
      return fn(vu, args.value(first), args.value(first + 1), args.value(first + 2));
    case 4:
      return fn(vu, args.value(first), args.value(first + 1), args.value(first + 2), args.value(first + 3));
    default: {
      const values: HostValue[] = [];
      for (let i = first; i < args.count; i++) values.push(args.value(i));
      return fn(vu, ...values);
    }
  }
}
