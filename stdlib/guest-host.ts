/**
 * Guest side only: how a stdlib shim binds its host functions. Every VU gets `__loadgen`
 * (hidden, read-only) before any module evaluates; shims bind each function once, at import. Bound functions
 * take at most four arguments (host functions are written to that limit; `variadic` is for console).
 */
interface HostBinder {
  /** A synchronous host function: returns its value directly. */
  sync(name: string): (a?: unknown, b?: unknown, c?: unknown, d?: unknown) => any;
  /** A synchronous host function taking any number of arguments (slower: a rest array per call). */
  variadic(name: string): (...args: unknown[]) => any;
  /**
   * An asynchronous host function: returns a promise. `then`, when given, shapes the host's value before the
   * promise resolves (inside the settlement: one promise job less than `.then()` on the result); if it throws,
   * the promise rejects.
   */
  async<T = any>(name: string, then?: (value: any) => T): (a?: unknown, b?: unknown, c?: unknown, d?: unknown) => Promise<T>;
}

export const host: HostBinder = (globalThis as unknown as { __loadgen: HostBinder }).__loadgen;
