/**
 * The global script every VU evaluates before the scenario. It takes the host's raw entry points off the global
 * object (so scenario code cannot call them with forged ids), and leaves behind only:
 * - `__loadgen` (hidden, frozen): how stdlib shims bind their host functions by name;
 * - `__ENV`, `open`, `console`: the k6 globals;
 * - the driver the host uses to run a function and learn how it ended, without a host round trip per await.
 */
export interface PreludeInput {
  /** Host function name → index, one table for sync functions and one for async ones. */
  readonly syncIds: Readonly<Record<string, number>>;
  readonly asyncIds: Readonly<Record<string, number>>;
  /** What the script sees as `__ENV`. */
  readonly env: Readonly<Record<string, string>>;
}

/** Names of the host entry points the VU installs on the global object before evaluating the prelude. */
export const HOST_ENTRY = {
  callSync: "__hostCallSync",
  callAsync: "__hostCallAsync",
  done: "__hostDone",
  /** Where the prelude leaves the driver for the host to pick up (and delete). */
  driver: "__hostDriver",
} as const;

/** Builds the prelude's source text for one run (all VUs of the run evaluate the same text). */
export function buildPrelude(input: PreludeInput): string {
  return `(() => {
"use strict";
const g = globalThis;
const callSync = g.${HOST_ENTRY.callSync}, callAsync = g.${HOST_ENTRY.callAsync}, done = g.${HOST_ENTRY.done};
delete g.${HOST_ENTRY.callSync}; delete g.${HOST_ENTRY.callAsync}; delete g.${HOST_ENTRY.done};
const syncIds = ${JSON.stringify(input.syncIds)};
const asyncIds = ${JSON.stringify(input.asyncIds)};
function bind(ids, call, name) {
  const id = ids[name];
  if (id === undefined) throw new Error("loadgen: no host function " + name);
  return (...args) => call(id, ...args);
}
const loadgen = Object.freeze({
  sync: (name) => bind(syncIds, callSync, name),
  async: (name) => bind(asyncIds, callAsync, name),
});
Object.defineProperty(g, "__loadgen", { value: loadgen, enumerable: false, writable: false, configurable: false });

const env = Object.freeze(${JSON.stringify(input.env)});
Object.defineProperty(g, "__ENV", { value: env, enumerable: false, writable: false, configurable: false });

const openHost = loadgen.sync("loadgen.open");
g.open = function open(path, mode) {
  if (mode !== undefined && mode !== "r" && mode !== "b") throw new TypeError("open(): mode must be \\"r\\" or \\"b\\"");
  const text = openHost(String(path), mode === "b" ? "b" : "r");
  if (mode !== "b") return text;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes.buffer;
};

const log = loadgen.sync("loadgen.console");
function format(args) {
  let s = "";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let part;
    if (typeof a === "string") part = a;
    else if (a instanceof Error) part = a.stack ? a.name + ": " + a.message + "\\n" + a.stack : String(a);
    else if (a !== null && typeof a === "object") { try { part = JSON.stringify(a); } catch { part = String(a); } }
    else part = String(a);
    s += (i ? " " : "") + part;
  }
  return s;
}
g.console = Object.freeze({
  log: (...a) => log("info", format(a)),
  info: (...a) => log("info", format(a)),
  debug: (...a) => log("debug", format(a)),
  warn: (...a) => log("warn", format(a)),
  error: (...a) => log("error", format(a)),
});

// Runs fn(arg) and reports once, through done(token, error, result):
// mode 0 = an iteration (no result), 1 = JSON of the result (setup, handleSummary), 2 = await a promise and pass the value itself.
function finish(token, value, mode) {
  if (mode === 1) {
    let json;
    try { json = value === undefined ? undefined : JSON.stringify(value); } catch (e) { done(token, e); return; }
    done(token, undefined, json);
  } else if (mode === 2) done(token, undefined, value);
  else done(token);
}
g.${HOST_ENTRY.driver} = function drive(token, fn, arg, mode) {
  let r;
  try { r = mode === 2 ? fn : fn(arg); } catch (e) { done(token, e === undefined ? new Error("threw undefined") : e); return; }
  if (r !== null && typeof r === "object" && typeof r.then === "function") {
    r.then((v) => finish(token, v, mode), (e) => done(token, e === undefined ? new Error("rejected with undefined") : e));
  } else finish(token, r, mode);
};
})();
`;
}
