/**
 * Guest side only: how a stdlib shim binds its host functions. Every VU gets `__loadgen`
 * (hidden, read-only) before any module evaluates; shims bind each function once, at import. Bound functions
 * take at most four arguments (host functions are written to that limit; `variadic` is for console).
 * Names, arguments and results are typed from stdlib/host-calls.ts, the one declaration the host registers against.
 */
import type { AsyncHostCalls, JsonText, SyncHostCalls, VariadicHostCalls } from "./host-calls.ts";

interface HostBinder {
  /** A synchronous host function: returns its value directly. */
  sync<N extends keyof SyncHostCalls>(name: N): SyncHostCalls[N];
  /** A synchronous host function taking any number of arguments (slower: a rest array per call). */
  variadic<N extends keyof VariadicHostCalls>(name: N): VariadicHostCalls[N];
  /**
   * An asynchronous host function: returns a promise. `then`, when given, shapes the host's value before the
   * promise resolves (inside the settlement: one promise job less than `.then()` on the result); if it throws,
   * the promise rejects.
   */
  async<N extends keyof AsyncHostCalls, T = ReturnType<AsyncHostCalls[N]>>(
    name: N,
    then?: (value: ReturnType<AsyncHostCalls[N]>) => T,
  ): (...args: Parameters<AsyncHostCalls[N]>) => Promise<T>;
}

export const host: HostBinder = (globalThis as unknown as { __loadgen: HostBinder }).__loadgen;

/** Options or variables as JSON text for the host; undefined stays undefined (the host's "none given"). */
export function jsonText<T>(value: T | undefined): JsonText<T> | undefined {
  return value === undefined ? undefined : (JSON.stringify(value) as JsonText<T>);
}

/** Parses JSON text from the host into the type it was declared with. */
export function parseJson<T>(text: JsonText<T>): T {
  return JSON.parse(text) as T;
}
