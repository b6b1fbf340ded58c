/**
 * runtime/vu: the virtual user. Each VU is a sandboxed QuickJS runtime that runs the bundled scenario; the engine
 * (runtime/execution) drives it through VirtualUser's methods, and the guest reaches the host only through the host
 * functions of the run's stdlib modules, which receive the VU's VuContext.
 *
 * The files: vu.ts, the VU's lifecycle (init, setup data, scenarios, iterations, the init VU's calls, interrupts);
 * guest-call-runner.ts, one call into the guest seen to its end; vu-context.ts, the VuContext host functions read,
 * written only by its VU; host-bridge.ts, guest calls into host functions and the settlement of their promises;
 * guest-globals.ts, what the global object holds; blocking-deadline.ts, the blockingTimeout interrupt; guest-error.ts,
 * guest exceptions as host values; host-table.ts, the run's host functions by name; wasm-pool.ts, the QuickJS
 * WebAssembly modules; quickjs-direct.ts, direct FFI calls into QuickJS, the only file that knows the library's
 * internals (the others use its public API, and get a handle's pointer from DirectBridge.pointer).
 *
 * May import: quickjs-emscripten-core and its WebAssembly variant, node: builtins, types from runtime/metrics and
 * runtime/bundle/source-map.ts, and stdlib/host-module.ts (the engine–module contract, types only). What a VU needs
 * from its run arrives in its VuBlueprint (the metrics engine, the host functions). May not import: runtime/execution,
 * runtime/executor, runtime/config, runtime/output, runtime/cli, or any stdlib module (stdlib/<module>/): the layers
 * above drive the VU, never the reverse, and modules reach the VU only as host functions in the HostTable.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import type { StackMapper } from "../bundle/source-map.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { LifecyclePhase } from "../../stdlib/host-module.ts";
import { BlockingDeadline } from "./blocking-deadline.ts";
import { GuestCallRunner, type CallOutcome } from "./guest-call-runner.ts";
import { readGuestError, type GuestError } from "./guest-error.ts";
import { GuestGlobals } from "./guest-globals.ts";
import { HostCallBridge } from "./host-bridge.ts";
import type { HostTable } from "./host-table.ts";
import { DirectBridge } from "./quickjs-direct.ts";
import { WritableVuContext } from "./vu-context.ts";

export type { CallOutcome } from "./guest-call-runner.ts";

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

/**
 * One virtual user: its own QuickJS runtime and context (own heap, limits and job queue), running the scenario's
 * init code once and then one function call at a time (GuestCallRunner), for scenarios (iterations) or as the init
 * VU (setup, teardown, handleSummary). The engine tells it what to do through these methods; host functions, called
 * through its HostCallBridge, see its WritableVuContext, which only it writes.
 */
export class VirtualUser {
  readonly id: number;
  readonly #bp: VuBlueprint;
  readonly #rt: QuickJSRuntime;
  readonly #vm: QuickJSContext;
  readonly #deadline: BlockingDeadline;
  readonly #context: WritableVuContext;
  readonly #calls: GuestCallRunner;
  readonly #globals: GuestGlobals;
  #namespace!: QuickJSHandle;
  /** setup()'s result, decoded in this VU (undefined: none). */
  #data: QuickJSHandle | undefined;
  readonly #functions = new Map<string, QuickJSHandle | null>();

  private constructor(id: number, module: QuickJSWASMModule, bp: VuBlueprint, tags: TagSet, idInInstance: number) {
    this.id = id;
    this.#bp = bp;
    this.#context = new WritableVuContext(id, bp.engine, tags, idInInstance);
    this.#deadline = new BlockingDeadline(bp);
    this.#rt = module.newRuntime();
    this.#rt.setMaxStackSize(bp.limits.maxStackBytes);
    this.#rt.setMemoryLimit(bp.limits.memoryLimitBytes);
    this.#rt.setInterruptHandler(this.#deadline.shouldInterrupt);
    this.#vm = this.#rt.newContext();
    // The per-iteration calls go through the direct bridge (see quickjs-direct.ts); the rest through the library.
    const direct = DirectBridge.attach(this.#vm);
    this.#calls = new GuestCallRunner(this.#vm, direct, this.#deadline, bp.mapper, this.#context);
    const bridge = new HostCallBridge(this.#vm, direct, this.#deadline, bp.hostFunctions, this.#context, this.#calls);
    this.#globals = new GuestGlobals(this.#vm, this.#deadline, bp.envJson, bridge.newBinder());
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
    idInInstance: number = id,
  ): Promise<{ vu: VirtualUser } | { error: GuestError }> {
    const vu = new VirtualUser(id, module, bp, tags, idInInstance);
    const error = await vu.#init();
    return error ? { error } : { vu };
  }

  async #init(): Promise<GuestError | undefined> {
    const vm = this.#vm;
    this.#globals.install();

    const evaluated = this.#deadline.guard(() => vm.evalCode(this.#bp.code, this.#bp.moduleName, { type: "module" }));
    if (evaluated.error) return this.#calls.takeError(evaluated.error);
    // With top-level await the module evaluates to a promise of its namespace: wait for it like any other call.
    if (vm.typeof(evaluated.value) === "object" && vm.getPromiseState(evaluated.value).type !== "fulfilled") {
      const outcome = await this.#calls.invoke(evaluated.value, vm.undefined, 2);
      evaluated.value.dispose();
      if (!outcome.ok) return outcome.error;
      this.#namespace = this.#calls.takeAwaited()!;
    } else {
      const state = vm.getPromiseState(evaluated.value);
      if (state.type === "fulfilled" && !state.notAPromise) {
        this.#namespace = state.value;
        evaluated.value.dispose();
      } else {
        this.#namespace = evaluated.value;
      }
    }
    this.#context.setPhase("setup");
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
    const parse = this.#deadline.guard(() => vm.evalCode("JSON.parse")).unwrap();
    const text = vm.newString(json);
    try {
      this.#data = this.#deadline.guard(() => vm.callFunction(parse, vm.undefined, text)).unwrap();
    } finally {
      text.dispose();
      parse.dispose();
    }
  }

  /** Moves the VU into a scenario: its samples carry these tags, and `__ENV` has the scenario's `env`, from now on. */
  enterScenario(name: string, tags: TagSet, envJson?: string): void {
    this.#context.enterScenario(name, tags);
    this.#globals.setScenarioEnv(envJson);
  }

  /**
   * Runs one exported function once with the setup data (an iteration); resolves when it and its awaits end.
   * `iterationInTest` is the iteration's number among all of its scenario's iterations (host functions read it).
   */
  iterate(functionName: string, iterationInTest: number): Promise<CallOutcome> {
    const context = this.#context;
    context.startIteration(iterationInTest);
    const fn = this.#function(functionName);
    if (!fn) {
      context.endIteration();
      return Promise.resolve(notAFunction(functionName));
    }
    return this.#calls.iterate(fn, this.#data);
  }

  /** Calls setup/teardown/handleSummary: `argJson` decoded as its argument, its result returned as JSON text. */
  async callForResult(functionName: string, argJson: string | undefined, phase: LifecyclePhase): Promise<CallOutcome> {
    const fn = this.#function(functionName);
    if (!fn) return notAFunction(functionName);
    this.#context.setPhase(phase);
    this.setData(argJson);
    return this.#calls.invoke(fn, this.#data ?? this.#vm.undefined, 1);
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
    this.#calls.interrupt(reason);
    this.#context.abortSignal(reason);
  }

  /** The VU was interrupted or exhausted its memory; do not run it again. */
  get broken(): boolean {
    return this.#calls.broken;
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
    const fn = this.#deadline.guard(() => vm.evalCode(source)).unwrap();
    try {
      const r = this.#deadline.guard(() => vm.callFunction(fn, vm.undefined, arg));
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
