/** Where the deadline reads its limit; read when a call's clock starts, so a VU follows a limit that changes later. */
export interface BlockingLimitSource {
  readonly limits: { readonly blockingTimeoutMs: number };
}

/** The deadline while guest code runs and the interrupt handler has not read the clock yet. */
const ARMED = -1;

/**
 * The blocking deadline of one VU: how long guest code may run without awaiting before QuickJS interrupts it
 * (`blockingTimeout`). Every entry into guest code arms it; nested entries share the outer one's clock.
 */
export class BlockingDeadline {
  readonly #source: BlockingLimitSource;
  /** When the guest code running now must stop (ms since epoch); 0 when none runs, ARMED until the clock is read. */
  #deadline = 0;

  /**
   * The runtime's interrupt handler. QuickJS asks every ~10,000 steps; the first ask of a call starts its clock, so
   * calls that end sooner (every iteration step, every settlement) never read the time.
   */
  readonly shouldInterrupt: () => boolean;

  constructor(source: BlockingLimitSource) {
    this.#source = source;
    // Assigned here, not as a field initializer: a field's arrow function gets an own `name`, a property array
    // of a few hundred bytes in every VU.
    this.shouldInterrupt = () => {
      const deadline = this.#deadline;
      if (deadline === 0) return false;
      const now = Date.now();
      if (deadline !== ARMED) return now > deadline;
      this.#deadline = now + this.#source.limits.blockingTimeoutMs;
      return false;
    };
  }

  /** Arms the deadline unless an outer call did; returns whether this call armed it (for disarm). */
  arm(): boolean {
    if (this.#deadline !== 0) return false;
    this.#deadline = ARMED;
    return true;
  }

  disarm(armed: boolean): void {
    if (armed) this.#deadline = 0;
  }

  /** Runs guest code with the deadline armed. */
  guard<T>(run: () => T): T {
    const armed = this.arm();
    try {
      return run();
    } finally {
      this.disarm(armed);
    }
  }
}
