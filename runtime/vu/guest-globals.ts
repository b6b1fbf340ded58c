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

