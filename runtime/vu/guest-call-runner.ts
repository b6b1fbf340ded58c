import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { StackMapper } from "../bundle/source-map.ts";
import type { BlockingDeadline } from "./blocking-deadline.ts";
import { readGuestError, type GuestError } from "./guest-error.ts";
import { DRIVER_SOURCE } from "./guest-globals.ts";
import type { GuestCallLoop } from "./host-bridge.ts";
import { DirectBridge, PROMISE_PENDING, PROMISE_REJECTED } from "./quickjs-direct.ts";
import type { WritableVuContext } from "./vu-context.ts";

/** How one call into the scenario ended. */
export type CallOutcome =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly error: GuestError };

const OK_NO_RESULT: CallOutcome = Object.freeze({ ok: true, json: undefined });
const NO_MODES: readonly QuickJSHandle[] = Object.freeze([]);

/**
 * A call in flight: the token ties the guest driver's done() call to it; late calls of a stopped run are ignored.
 * Mode 0 is an iteration (called directly, not through the driver), 1 and 2 are the driver's (DRIVER_SOURCE).
 */
interface PendingCall {
  token: number;
  mode: 0 | 1 | 2;
  resolve(outcome: CallOutcome): void;
}

/**
 * Runs one call at a time into a VU's guest code and sees it to its end: the call itself, the job queue drained after
 * it and after every settlement of a host call (GuestCallLoop), and the outcome once the call's promise settles or
 * the call is interrupted. A call that was interrupted or ran out of memory breaks the VU.
 */
export class GuestCallRunner implements GuestCallLoop {
  readonly #vm: QuickJSContext;
  readonly #direct: DirectBridge;
  readonly #deadline: BlockingDeadline;
  readonly #mapper: StackMapper;
  readonly #context: WritableVuContext;
  /** Built on the first setup/teardown/handleSummary call (DRIVER_SOURCE); scenario VUs rarely need one. */
  #driver: QuickJSHandle | undefined;
  /** The driver's mode argument as handles made once, not per call (with the driver). */
  #modes: readonly QuickJSHandle[] = NO_MODES;
  /** The value a mode-2 call awaited (the module namespace under top-level await). */
  #awaited: QuickJSHandle | undefined;
  /** The promise (or value) of the iteration in flight, as an owned pointer (0: none). */
  #iteration = 0;
  #token = 0;
  #pending: PendingCall | undefined;
  /** Set when the VU was interrupted or ran out of memory: its heap may be inconsistent, so it is never reused. */
  #broken = false;

  constructor(vm: QuickJSContext, direct: DirectBridge, deadline: BlockingDeadline, mapper: StackMapper, context: WritableVuContext) {
    this.#vm = vm;
    this.#direct = direct;
    this.#deadline = deadline;
    this.#mapper = mapper;
    this.#context = context;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Calls `fn(arg)` as an iteration; resolves when it and its awaits end (the context counts it then). */
  iterate(fn: QuickJSHandle, arg: QuickJSHandle | undefined): Promise<CallOutcome> {
    // The hot path calls the function itself, not through the driver: its promise's state is read after each
    // drain of the job queue (one cheap call), which saves the driver's then() job and a guest-to-host report.
    const direct = this.#direct;
    const deadline = this.#deadline;
    return new Promise((resolve) => {
      this.#pending = { token: 0, mode: 0, resolve };
      const armed = deadline.arm();
      const result = direct.call(DirectBridge.pointer(fn), 1, arg === undefined ? direct.undefinedPtr : DirectBridge.pointer(arg));
      deadline.disarm(armed);
      if (result === 0) return this.fail(direct.takeError());
      this.#iteration = result;
      this.drain();
    });
  }

  /**
   * Calls through the driver: mode 1 calls `fn(arg)` and returns its result as JSON text; mode 2 awaits the value
   * `fn` (a promise) and keeps what it resolved to for takeAwaited().
   */
  invoke(fn: QuickJSHandle, arg: QuickJSHandle, mode: 1 | 2): Promise<CallOutcome> {
    const vm = this.#vm;
    // The guest driver counts its calls too, so both sides agree on the token without passing it in.
    const token = ++this.#token;
    return new Promise((resolve) => {
      this.#pending = { token, mode, resolve };
      const driver = (this.#driver ??= this.#makeDriver());
      const r = this.#deadline.guard(() => vm.callFunction(driver, vm.undefined, fn, arg, this.#modes[mode]!));
      if (r.error) this.fail(r.error);
      else {
        r.value.dispose();
        this.drain();
      }
    });
  }

  /** The value the last mode-2 call awaited, handed over to the caller. */
  takeAwaited(): QuickJSHandle | undefined {
    const value = this.#awaited;
    this.#awaited = undefined;
    return value;
  }

  /** Ends the call in flight now as interrupted, and breaks the VU. */
  interrupt(reason: string): void {
    this.#broken = true;
    this.#dropIteration();
    this.#settlePending({ ok: false, error: { name: "InternalError", message: reason, stack: "", location: undefined, kind: "interrupted" } });
  }

  /** A guest exception as a GuestError (the handle is disposed); running out of memory breaks the VU. */
  takeError(handle: QuickJSHandle): GuestError {
    const error = readGuestError(this.#vm, handle, this.#mapper);
    handle.dispose();
    if (error.kind === "out-of-memory") this.#broken = true;
    return error;
  }

  // ---- GuestCallLoop, for the host-call bridge ----

  /** An interrupted VU is never resumed, unless a call is still in flight. */
  resumable(): boolean {
    return !this.#broken || this.#pending !== undefined;
  }

  /** An error escaped the guest (an uncatchable interrupt or OOM): it ends the call in flight. */
  fail(errorHandle: QuickJSHandle): void {
    this.#dropIteration();
    const error = this.takeError(errorHandle);
    if (error.kind !== "exception") this.#broken = true;
    this.#settlePending({ ok: false, error });
  }

  /** Runs the pending jobs (promise reactions), then ends the iteration in flight if they finished it. */
  drain(): void {
    if (this.#broken && !this.#pending) return;
    const direct = this.#direct;
    if (direct.hasPendingJob()) {
      const armed = this.#deadline.arm();
      const ok = direct.runJobs();
      this.#deadline.disarm(armed);
      if (!ok) return this.fail(direct.takeError());
    }
    if (this.#iteration !== 0) this.#checkIteration();
  }

  // ----

  /** Ends the iteration in flight once its promise has settled (called after every drain). */
  #checkIteration(): void {
    const direct = this.#direct;
    const ptr = this.#iteration;
    const state = direct.promiseState(ptr);
    if (state === PROMISE_PENDING) return;
    this.#iteration = 0;
    if (state !== PROMISE_REJECTED) {
      // fulfilled, or not a promise at all (a synchronous default function)
      direct.free(ptr);
      this.#settlePending(OK_NO_RESULT);
    } else {
      const reason = direct.promiseResult(ptr);
      direct.free(ptr);
      const error = this.takeError(reason);
      if (error.kind !== "exception") this.#broken = true;
      this.#settlePending({ ok: false, error });
    }
  }

  /** Ends the call in flight, if any, with `outcome`; an iteration is counted in the VU's context. */
  #settlePending(outcome: CallOutcome): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    if (pending.mode === 0) this.#context.endIteration();
    pending.resolve(outcome);
  }

  #dropIteration(): void {
    if (this.#iteration !== 0) this.#direct.free(this.#iteration);
    this.#iteration = 0;
  }

  #makeDriver(): QuickJSHandle {
    const vm = this.#vm;
    this.#modes = [vm.undefined, vm.newNumber(1), vm.newNumber(2)];
    const done = vm.newFunction("done", (token: QuickJSHandle, error?: QuickJSHandle, value?: QuickJSHandle) => this.#done(token, error, value));
    const factory = this.#deadline.guard(() => vm.evalCode(DRIVER_SOURCE, "loadgen-driver.js")).unwrap();
    try {
      return this.#deadline.guard(() => vm.callFunction(factory, vm.undefined, done)).unwrap();
    } finally {
      factory.dispose();
      done.dispose();
    }
  }

  /** The driver's report: done(token, error?, result?). A method, not a field, so scenario VUs (no driver) do not carry it. */
  #done(tokenH: QuickJSHandle, errorH?: QuickJSHandle, valueH?: QuickJSHandle): void {
    const vm = this.#vm;
    const pending = this.#pending;
    if (!pending || vm.getNumber(tokenH) !== pending.token) return;
    this.#pending = undefined;
    if (errorH !== undefined && vm.typeof(errorH) !== "undefined") {
      const error = readGuestError(vm, errorH, this.#mapper);
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
  }
}
