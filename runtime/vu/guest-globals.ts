import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { BlockingDeadline } from "./blocking-deadline.ts";

/**
 * What a VU's global object holds besides the language's own builtins. The host puts it there directly (no script
 * is compiled per VU for it: compiling is the largest part of a VU's start):
 * - `__loadgen` (hidden, read-only): how stdlib shims bind their host functions by name (stdlib/guest-host.ts);
 * - `__ENV`, `open`, `console`: the k6 globals, each built from the sources below on first use.
 */
export const GLOBAL_NAMES = { binder: "__loadgen", env: "__ENV", lazy: ["open", "console"] } as const;

/** The source of the frozen `__ENV` object: the run's environment with a scenario's `env` layered over it. */
export function envSource(runEnvJson: string, scenarioEnvJson: string | undefined): string {
  return scenarioEnvJson === undefined || scenarioEnvJson === ""
    ? `Object.freeze(${runEnvJson})`
    : `Object.freeze(Object.assign({}, ${runEnvJson}, ${scenarioEnvJson}))`;
}

/** Globals built on first use, as `(loadgen) => value` source called with the `__loadgen` binder. */
export const LAZY_GLOBALS: Readonly<Record<string, string>> = {
  // Binary files arrive as base64: compact, where a string full of NUL bytes would cross the slow way (as JSON text).
  open: `(loadgen) => {
    const openHost = loadgen.sync("loadgen.open");
    const digits = new Uint8Array(128);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (let i = 0; i < 64; i++) digits[alphabet.charCodeAt(i)] = i;
    return function open(path, mode) {
      const text = openHost(String(path), mode === undefined ? "r" : String(mode));
      if (mode !== "b") return text;
      const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
      const bytes = new Uint8Array((text.length / 4) * 3 - pad);
      for (let i = 0, j = 0; i < text.length; i += 4) {
        const n = (digits[text.charCodeAt(i)] << 18) | (digits[text.charCodeAt(i + 1)] << 12) | (digits[text.charCodeAt(i + 2)] << 6) | digits[text.charCodeAt(i + 3)];
        bytes[j++] = n >> 16;
        if (j < bytes.length) bytes[j++] = (n >> 8) & 255;
        if (j < bytes.length) bytes[j++] = n & 255;
      }
      return bytes.buffer;
    };
  }`,
  // console formats on the host; only errors are flattened here, since their stack is not enumerable.
  console: `(loadgen) => {
    const log = loadgen.variadic("loadgen.console");
    const plain = (a) => a instanceof Error ? a.name + ": " + a.message + (a.stack ? "\\n" + a.stack : "") : a;
    const logAt = (level) => (...a) => log(level, ...a.map(plain));
    return Object.freeze({ log: logAt("info"), info: logAt("info"), debug: logAt("debug"), warn: logAt("warn"), error: logAt("error") });
  }`,
};

/**
 * The driver, as `(done) => drive` source: runs fn(arg) and reports once, through done(token, error, result).
 * mode 1 = JSON of the result (setup, teardown, handleSummary), 2 = await a promise and pass the value itself
 * (a module namespace under top-level await). Iterations do not use it; a VU builds it on its first such call.
 */
export const DRIVER_SOURCE = `(done) => {
  let calls = 0;
  function finish(token, value, mode) {
    if (mode === 1) {
      let json;
      try { json = value === undefined ? undefined : JSON.stringify(value); } catch (e) { done(token, e); return; }
      done(token, undefined, json);
    } else done(token, undefined, value);
  }
  return function drive(fn, arg, mode) {
    const token = ++calls;
    let r;
    try { r = mode === 2 ? fn : fn(arg); } catch (e) { done(token, e === undefined ? new Error("threw undefined") : e); return; }
    if (r !== null && typeof r === "object" && typeof r.then === "function") {
      r.then((v) => finish(token, v, mode), (e) => done(token, e === undefined ? new Error("rejected with undefined") : e));
    } else finish(token, r, mode);
  };
}`;

/**
 * Puts loadgen's globals on a VU's global object from the host, compiling nothing: `__loadgen` (the binder the
 * stdlib shims use, from the host-call bridge), and `__ENV`, `open` and `console`, each built on first use.
 */
export class GuestGlobals {
  readonly #vm: QuickJSContext;
  readonly #deadline: BlockingDeadline;
  /** The run's environment (`-e`) as JSON text, the base of `__ENV`. */
  readonly #runEnvJson: string;
  /** The scenario `env` layered over the run's in `__ENV` (undefined: none). */
  #scenarioEnvJson: string | undefined;
  /** The `__loadgen` binder object, handed to lazily built globals. */
  readonly #binder: QuickJSHandle;

  constructor(vm: QuickJSContext, deadline: BlockingDeadline, runEnvJson: string, binder: QuickJSHandle) {
    this.#vm = vm;
    this.#deadline = deadline;
    this.#runEnvJson = runEnvJson;
    this.#binder = binder;
  }

  install(): void {
    const vm = this.#vm;
    vm.defineProp(vm.global, GLOBAL_NAMES.binder, { value: this.#binder });
    this.#defineEnv();
    for (const name of GLOBAL_NAMES.lazy) this.#defineLazy(name);
  }

  /** A scenario's `env` is layered over the run's `__ENV` for its iterations (k6 semantics). */
  setScenarioEnv(envJson: string | undefined): void {
    if (envJson === this.#scenarioEnvJson) return;
    this.#scenarioEnvJson = envJson;
    this.#defineEnv();
  }

  /** `__ENV`, evaluated on first read and then a plain read-only property; redefined when a scenario brings `env`. */
  #defineEnv(): void {
    const vm = this.#vm;
    const name = GLOBAL_NAMES.env;
    const scenarioEnv = this.#scenarioEnvJson;
    vm.defineProp(vm.global, name, {
      configurable: true,
      get: () => {
        const value = this.#deadline.guard(() => vm.evalCode(envSource(this.#runEnvJson, scenarioEnv), "loadgen-env.js")).unwrap();
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
          const factory = this.#deadline.guard(() => vm.evalCode(LAZY_GLOBALS[name]!, `loadgen-${name}.js`)).unwrap();
          try {
            value = this.#deadline.guard(() => vm.callFunction(factory, vm.undefined, this.#binder)).unwrap();
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
}
