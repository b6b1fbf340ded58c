import { ExecutionTuple } from "../segment/execution-tuple.ts";
import { SegmentedIndex } from "../segment/segmented-index.ts";
import type { VirtualUser } from "../vu/vu.ts";

/**
 * Creates and initialises VU number `id` in the whole test, `idInInstance` in this instance (runs the init code);
 * throws a ScriptError when the init code fails.
 */
export type VuFactory = (id: number, idInInstance: number) => Promise<VirtualUser>;

/**
 * The run's initialised VUs. Scenarios take VUs from it and give them back; a VU is in one scenario at a time.
 * Broken VUs (interrupted, out of memory) are dropped on return and replaced by new ones on demand, so a bad
 * iteration never poisons the next.
 */
export class VuPool {
  readonly #factory: VuFactory;
  readonly #idle: VirtualUser[] = [];
  /** VU numbers in the whole test: this segment's stripe of them (k6's vuIDSegIndex), so they are unique across instances. */
  readonly #ids: SegmentedIndex;
  #live = 0;
  #peak = 0;
  #busy = 0;

  constructor(factory: VuFactory, segment: ExecutionTuple = ExecutionTuple.whole) {
    this.#factory = factory;
    this.#ids = new SegmentedIndex(segment);
  }

  /** Initialises VUs until `count` are alive (idle or busy). */
  async ensure(count: number): Promise<void> {
    while (this.#live < count) {
      this.#idle.push(await this.#create());
    }
  }

  /** An idle VU, or undefined without waiting. */
  tryTake(): VirtualUser | undefined {
    const vu = this.#idle.pop();
    if (vu) this.#busy++;
    return vu;
  }

  /** An idle VU, initialising a new one when none is idle. */
  async take(): Promise<VirtualUser> {
    const vu = this.tryTake();
    if (vu) return vu;
    const fresh = await this.#create();
    this.#busy++;
    return fresh;
  }

  /** Returns a VU; a broken one is discarded. */
  give(vu: VirtualUser): void {
    this.#busy--;
    if (vu.broken) this.#live--;
    else this.#idle.push(vu);
  }

  /** Replaces a broken VU the caller holds with a fresh one (the caller keeps its place in the scenario). */
  async replace(vu: VirtualUser): Promise<VirtualUser> {
    if (!vu.broken) return vu;
    this.#live--;
    return this.#create();
  }

  async #create(): Promise<VirtualUser> {
    const id = this.#ids.next();
    const idInInstance = this.#ids.scaled;
    this.#live++;
    this.#peak = Math.max(this.#peak, this.#live);
    try {
      return await this.#factory(id, idInInstance);
    } catch (e) {
      this.#live--;
      throw e;
    }
  }

  /** VUs alive now (the `vus_max` metric). */
  get initialized(): number {
    return this.#live;
  }

  /**
   * The most VUs alive at once so far (the `vus_max` metric). Broken VUs are discarded and replaced on demand, so
   * `initialized` can dip below what the run allocated; k6's vus_max never does.
   */
  get peak(): number {
    return this.#peak;
  }

  /** VUs taken by scenarios now (the `vus` metric). */
  get active(): number {
    return this.#busy;
  }
}
