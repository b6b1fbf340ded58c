import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { HostValue, VuContext } from "../../stdlib/host-module.ts";
import type { BlockingDeadline } from "./blocking-deadline.ts";
import type { HostTable } from "./host-table.ts";
import { DirectBridge, type GuestArgs, type RawHostFunction } from "./quickjs-direct.ts";

/** What the bridge needs from the VU when a host call settles: the settlement runs guest code the VU then continues. */
export interface GuestCallLoop {
  /** False when the VU was interrupted and no call is in flight: the settlement is dropped. */
  resumable(): boolean;
  /** Guest code failed uncatchably (an interrupt, out of memory): the call in flight ends with this error. */
  fail(error: QuickJSHandle): void;
  /** Runs the guest jobs a settlement woke (and ends the call in flight if they finished it). */
  drain(): void;
}

/**
 * The host-call bridge of one VU: the `__loadgen` binder the stdlib shims bind their host functions with, the calls
 * from those guest functions into the run's host functions (given the VU's context), and the settlement of the
 * promises that async host calls returned.
 */
export class HostCallBridge {
  readonly #vm: QuickJSContext;
  readonly #direct: DirectBridge;
  readonly #deadline: BlockingDeadline;
  readonly #functions: HostTable;
  readonly #context: VuContext;
  readonly #loop: GuestCallLoop;

  constructor(vm: QuickJSContext, direct: DirectBridge, deadline: BlockingDeadline, functions: HostTable, context: VuContext, loop: GuestCallLoop) {
    this.#vm = vm;
    this.#direct = direct;
    this.#deadline = deadline;
    this.#functions = functions;
    this.#context = context;
    this.#loop = loop;
  }

  /** A new `__loadgen` object (stdlib/guest-host.ts): `sync`, `variadic` and `async`, read-only. */
  newBinder(): QuickJSHandle {
    const vm = this.#vm;
    const direct = this.#direct;
    const binder = vm.newObject();
    // defineProp without `writable` makes read-only properties; not configurable, so scenarios cannot replace them.
    direct.newRawFunction("sync", this.#bindSync).consume((f) => vm.defineProp(binder, "sync", { value: f }));
    direct.newRawFunction("variadic", this.#bindSync).consume((f) => vm.defineProp(binder, "variadic", { value: f }));
    direct.newRawFunction("async", this.#bindAsync).consume((f) => vm.defineProp(binder, "async", { value: f }));
    return binder;
  }

  /** `__loadgen.sync(name)` (and `variadic`): a guest function that calls the host function `name` synchronously. */
  readonly #bindSync: RawHostFunction = (args) => {
    const name = String(args.value(0));
    const fn = this.#functions.sync.get(name);
    if (fn === undefined) throw new Error(`loadgen: no host function ${name}`);
    const direct = this.#direct;
    return direct.release(direct.newRawFunction(name, (a) => direct.returnValue(callWith(fn, this.#context, a, 0))));
  };

  /**
   * `__loadgen.async(name, then?)`: a guest function that starts the host function `name` and returns a promise,
   * which the host settles with the outcome, shaped by `then` when given (see #settle).
   */
  readonly #bindAsync: RawHostFunction = (args) => {
    const name = String(args.value(0));
    const fn = this.#functions.async.get(name);
    if (fn === undefined) throw new Error(`loadgen: no host function ${name}`);
    // Kept for the VU's life, like the bound function itself.
    const then = args.defined(1) ? args.dup(1) : 0;
    const direct = this.#direct;
    return direct.release(
      direct.newRawFunction(name, (a) => {
        let outcome: Promise<HostValue>;
        try {
          outcome = callWith(fn, this.#context, a, 0);
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
   * `then` that throws rejects the promise with its error. The job queue is drained at once: the continuation the
   * settlement woke runs before this returns.
   */
  #settle(resolve: number, reject: number, then: number, value: HostValue, error: unknown): void {
    const direct = this.#direct;
    const loop = this.#loop;
    if (!loop.resumable()) {
      direct.free(resolve);
      direct.free(reject);
      return;
    }
    const armed = this.#deadline.arm();
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
    this.#deadline.disarm(armed);
    if (errorHandle !== undefined) errorHandle.dispose();
    else if (owned) direct.free(argument);
    direct.free(resolve);
    direct.free(reject);
    if (result === 0) loop.fail(direct.takeError());
    else direct.free(result);
    loop.drain();
  }

  #newGuestError(error: unknown): QuickJSHandle {
    const vm = this.#vm;
    const e = error as { name?: unknown; message?: unknown; code?: unknown; status?: unknown };
    const handle = vm.newError({
      name: typeof e?.name === "string" ? e.name : "Error",
      message: typeof e?.message === "string" ? e.message : String(error),
    });
    // Structured fields (an HTTP status, an error code) let scenarios branch on them in a catch.
    if (typeof e?.code === "string") vm.newString(e.code).consume((h) => vm.setProp(handle, "code", h));
    if (typeof e?.status === "number") vm.newNumber(e.status).consume((h) => vm.setProp(handle, "status", h));
    return handle;
  }
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
