import type { ExecutionTuple } from "./execution-tuple.ts";

/**
 * Walks a segment's stripe (k6's SegmentedIndex): each `next()` gives the segment's next item as its 1-based number
 * in this instance (`scaled`) and in the whole test (`unscaled`). VU ids and iteration numbers come from it, so that
 * they are unique across every instance of a sequence.
 */
export class SegmentedIndex {
  readonly #start: number;
  readonly #offsets: readonly number[];
  scaled = 0;
  unscaled = 0;

  constructor(tuple: ExecutionTuple) {
    const { start, offsets } = tuple.stripedOffsets();
    this.#start = start;
    this.#offsets = offsets;
  }

  /** Moves to the next item of the stripe; returns its 1-based number in the whole test (`unscaled`). */
  next(): number {
    this.unscaled += this.scaled === 0 ? this.#start + 1 : this.#offsets[(this.scaled - 1) % this.#offsets.length]!;
    this.scaled++;
    return this.unscaled;
  }
}
