import { transformSync } from "esbuild";
import type { HostModuleInstance, HostValue, VuContext } from "../../stdlib/host-module.ts";

/**
 * The global script every VU evaluates before the scenario. It takes the host's raw entry points off the global
 * object and leaves behind only:
 * - `__loadgen` (hidden, frozen): how stdlib shims bind their host functions by name (guest-host.ts);
 * - `__ENV`, `open`, `console`: the k6 globals (the last two compiled on first use).
 * The driver that runs setup/teardown/handleSummary is built by the host on demand (DRIVER_SOURCE).
 */
export interface PreludeInput {
  /** What the script sees as `__ENV`. */
  readonly env: Readonly<Record<string, string>>;
}

/** Names of the host entry points the VU installs on the global object before evaluating the prelude. */
export const HOST_ENTRY = {
  callSync: "__hostCallSync",
  callAsync: "__hostCallAsync",
  done: "__hostDone",
} as const;

/** The sync host function id that looks a host function's id up by kind (0 sync, 1 async) and name. */
export const LOOKUP_ID = -1;

/**
 * Builds the prelude's source text for one run (all VUs of the run evaluate the same text). It is minified once
 * per run and carries no table of host function names: every VU compiles it, at roughly 100-200 µs per KB, the
 * largest part of a VU's start.
 */
export function buildPrelude(input: PreludeInput): string {
  return transformSync(preludeSource(input), { minify: true, target: "es2022" }).code;
}

function preludeSource(input: PreludeInput): string {
  return `(() => {
"use strict";
const g = globalThis;
const callSync = g.${HOST_ENTRY.callSync}, callAsync = g.${HOST_ENTRY.callAsync};
delete g.${HOST_ENTRY.callSync}; delete g.${HOST_ENTRY.callAsync};
// A shim looks each host function up once, when it binds it.
function idOf(kind, name) {
  const id = callSync(${LOOKUP_ID}, kind, String(name));
  if (id < 0) throw new Error("loadgen: no host function " + name);
  return id;
}
// Async host calls: the promise is made here, in the guest, and the host settles it by call id through settle().
// \`then\` shapes the host's value inside settle(): one promise job less than a .then() on the result.
const waiting = new Map();
let nextCall = 0, res, rej;
const capture = (a, b) => { res = a; rej = b; };
function start(id, then, a, b, c, d) {
  const call = ++nextCall;
  const promise = new Promise(capture);
  waiting.set(call, { res, rej, then });
  callAsync(id, call, a, b, c, d);
  return promise;
}
function settle(call, ok, value) {
  const w = waiting.get(call);
  if (w === undefined) return;
  waiting.delete(call);
  if (!ok) return w.rej(value);
  if (w.then === undefined) return w.res(value);
  let shaped;
  try { shaped = w.then(value); } catch (e) { return w.rej(e); }
  w.res(shaped);
}
// Fixed arity (every host function takes at most four arguments): no rest arrays on the hot path.
const loadgen = Object.freeze({
  sync(name) { const id = idOf(0, name); return (a, b, c, d) => callSync(id, a, b, c, d); },
  variadic(name) { const id = idOf(0, name); return (...args) => callSync(id, ...args); },
  async(name, then) { const id = idOf(1, name); return (a, b, c, d) => start(id, then, a, b, c, d); },
});
Object.defineProperty(g, "__loadgen", { value: loadgen, enumerable: false, writable: false, configurable: false });

const env = Object.freeze(${JSON.stringify(input.env)});
const defineEnv = (value) => Object.defineProperty(g, "__ENV", { value, enumerable: false, writable: false, configurable: true });
defineEnv(env);
const setEnv = (json) => defineEnv(json === "" ? env : Object.freeze({ ...env, ...JSON.parse(json) }));

// open() and console are compiled on first use (most VUs never touch them): every VU compiles its prelude.
const lazySource = loadgen.sync("loadgen.lazySource");
for (const name of ["open", "console"]) {
  const define = (value) => Object.defineProperty(g, name, { value, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(g, name, {
    enumerable: false,
    configurable: true,
    get() { const value = (0, eval)(lazySource(name))(loadgen); define(value); return value; },
    set: define,
  });
}
// The script's value: what only the host may hold (never put on the global object, so nothing needs deleting).
return [settle, setEnv];
})();
`;
}

/** Globals compiled on first use, as `(loadgen) => value` source (see the prelude). */
export const LAZY_GLOBALS: Readonly<Record<string, string>> = {
  open: `(loadgen) => {
    const openHost = loadgen.sync("loadgen.open");
    return function open(path, mode) {
      const text = openHost(String(path), mode === undefined ? "r" : String(mode));
      if (mode !== "b") return text;
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
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

/** The host side of the prelude's lazy globals, numbered with the stdlib's host functions. */
export const preludeHostFunctions: HostModuleInstance = {
  sync: {
    "loadgen.lazySource"(_vu: VuContext, name: HostValue): HostValue {
      const source = LAZY_GLOBALS[String(name)];
      if (source === undefined) throw new Error(`loadgen: no lazy global ${String(name)}`);
      return source;
    },
  },
};
