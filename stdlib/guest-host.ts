/**
 * Guest side only: how a stdlib shim binds its host functions. The VU prelude installs `__loadgen`
 * (hidden, frozen) before any module evaluates; shims bind each function once, at import.
 */
interface HostBinder {
  /** A synchronous host function: returns its value directly. */
  sync(name: string): (...args: unknown[]) => any;
  /** An asynchronous host function: returns a promise. */
  async(name: string): (...args: unknown[]) => Promise<any>;
}

export const host: HostBinder = (globalThis as unknown as { __loadgen: HostBinder }).__loadgen;
