// A token bucket with client-go's (and golang.org/x/time/rate's) meaning: `qps` tokens per second, at most `burst`
// saved up. Implemented as a reservation clock (GCRA): each take() reserves the next free slot, so waiters are served
// in order with one timer each and no polling. With qps <= 0 the limiter is off and take() costs a comparison.

/** Waits for permission to send one request. */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #burstMs: number;
  /** The time at which the bucket would be full again, given the reservations made so far (theoretical arrival time). */
  #tat = 0;

  constructor(qps: number, burst: number) {
    this.#intervalMs = qps > 0 ? 1000 / qps : 0;
    this.#burstMs = Math.max(1, Math.floor(burst)) * this.#intervalMs;
  }

  get enabled(): boolean {
    return this.#intervalMs > 0;
  }

  /**
   * Reserves a token: 0 when one is available now, else the milliseconds to wait before sending.
   * The reservation is made either way, so callers must wait out the delay (or drop the request).
   */
  reserve(now: number): number {
    if (this.#intervalMs === 0) return 0;
    const tat = Math.max(this.#tat, now);
    const allowAt = tat + this.#intervalMs - this.#burstMs;
    this.#tat = tat + this.#intervalMs;
    return allowAt > now ? allowAt - now : 0;
  }

  /** Resolves when a token is available (at once when the limiter is off or a token is saved up). */
  take(now: number = performance.now()): Promise<void> | undefined {
    const wait = this.reserve(now);
    if (wait === 0) return undefined;
    return new Promise((resolve) => setTimeout(resolve, wait));
  }
}
