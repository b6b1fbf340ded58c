/**
 * k6's ExecutionSegmentSequenceWrapper and ExecutionTuple (lib/execution_segment.go), ported line for line so that
 * a loadgen instance takes exactly the share a k6 instance with the same flags would:
 * - striping: of every `lcd` consecutive items (iterations, VUs, arrivals), segment i owns a fixed subset, spread out
 *   as evenly as possible; `0,1/2,3/4,1` gives 0:1/2 the items 0,2,4…, 1/2:3/4 the items 1,5,9…, 3/4:1 3,7,11…;
 * - scaling: a segment's share of N items is how many of the first N it owns, so the shares of a sequence always add
 *   up to N exactly and only ever grow with N (no instance loses a VU as N rises).
 */
import { ExecutionSegment, filledSequence, sequenceToString } from "./execution-segment.ts";
import { Rational } from "./rational.ts";

/** A full sequence (0..1) with its striping precomputed. */
export class StripedSequence {
  readonly segments: readonly ExecutionSegment[];
  /** Least common denominator of the segments' lengths: the striping repeats every `lcd` items. */
  readonly lcd: number;
  /** Per segment: [first item, gap to the next, …, gap from the last back to the first of the next cycle]. */
  readonly #offsets: number[][];

  constructor(segments: readonly ExecutionSegment[]) {
    if (segments.length === 0 || !segments[0]!.from.equals(Rational.zero) || !segments[segments.length - 1]!.to.equals(Rational.one)) {
      throw new Error(`internal: striping needs a sequence from 0 to 1, got ${sequenceToString(segments)}`);
    }
    this.segments = segments;
    let lcd = 1n;
    for (const s of segments) lcd = (lcd * s.length.den) / gcd(lcd, s.length.den);
    if (lcd > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`the sequence ${sequenceToString(segments)} has too large a common denominator (${lcd})`);
    this.lcd = Number(lcd);
    this.#offsets = stripe(segments, this.lcd);
  }

  /** Segment `index`'s share of `value` items. */
  scale(index: number, value: number): number {
    const o = this.#offsets[index]!;
    const start = o[0]!;
    const gaps = o.length - 1;
    let result = Math.floor(value / this.lcd) * gaps;
    const rest = value % this.lcd;
    for (let gi = 0, i = start; i < rest; i += o[1 + gi]!, gi++) result++;
    return result;
  }

  /** k6's GetStripedOffsets: the first item of segment `index`, the gaps between its items, and the cycle length. */
  stripedOffsets(index: number): { start: number; offsets: readonly number[]; lcd: number } {
    const o = this.#offsets[index]!;
    return { start: o[0]!, offsets: o.slice(1), lcd: this.lcd };
  }

  /** `0,1/4,1` */
  toString(): string {
    return sequenceToString(this.segments);
  }
}

/**
 * k6's striping algorithm (NewExecutionSegmentSequenceWrapper): for each item of a cycle of `lcd`, the biggest
 * segment whose taken count is furthest behind its share takes it.
 */
function stripe(segments: readonly ExecutionSegment[], lcd: number): number[][] {
  const n = segments.length;
  const offsets: number[][] = segments.map(() => []);
  const sorted = segments
    .map((s, originalIndex) => ({ norm: Number(s.length.num * (BigInt(lcd) / s.length.den)), originalIndex }))
    // Array.prototype.sort is stable, as Go's sort.SliceStable.
    .sort((a, b) => b.norm - a.norm);
  const prev = new Array<number>(n).fill(0);
  const chosen = new Array<number>(n).fill(0);
  const save = (item: number, index: number, numerator: number) => {
    offsets[index]!.push(item - prev[index]!);
    prev[index] = item;
    if (offsets[index]!.length === numerator) offsets[index]!.push(offsets[index]![0]! + lcd - item);
  };
  for (let i = 0; i < lcd; i++) {
    for (let k = 0; k < n; k++) {
      const num = chosen[k]! * lcd;
      const denom = sorted[k]!.norm;
      const q = Math.floor(num / denom);
      if (i > q || (i === q && num % denom === 0)) {
        chosen[k]!++;
        save(i, sorted[k]!.originalIndex, denom);
        break;
      }
    }
  }
  return offsets;
}

/** One segment of a sequence: what an instance needs to take its share (k6's ExecutionTuple). */
export class ExecutionTuple {
  readonly sequence: StripedSequence;
  readonly segment: ExecutionSegment;
  readonly index: number;

  constructor(sequence: StripedSequence, index: number) {
    this.sequence = sequence;
    this.index = index;
    this.segment = sequence.segments[index]!;
  }

  /** The whole test: one segment, 0:1. */
  static readonly whole = new ExecutionTuple(new StripedSequence([ExecutionSegment.full]), 0);

  /**
   * The tuple of `segment` in `sequence` (both optional, as in k6: no sequence means the segment alone, filled out).
   * @throws {Error} when the segment is not one of the sequence's.
   */
  static of(segment: ExecutionSegment | undefined, sequence: readonly ExecutionSegment[] | undefined): ExecutionTuple {
    const filled = filledSequence(sequence, segment);
    const wanted = segment ?? ExecutionSegment.full;
    const index = filled.findIndex((s) => s.equals(wanted));
    if (index < 0) throw new Error(`the segment ${wanted} is not one of the sequence ${sequenceToString(filled)}`);
    if (filled.length === 1) return ExecutionTuple.whole;
    return new ExecutionTuple(new StripedSequence(filled), index);
  }

  /** True for the whole test (no segmentation). */
  get isWhole(): boolean {
    return this.sequence.segments.length === 1;
  }

  /** This segment's share of `value` items (VUs, iterations): the shares of a sequence add up to `value` exactly. */
  scale(value: number): number {
    return this.isWhole ? value : this.sequence.scale(this.index, value);
  }

  stripedOffsets(): { start: number; offsets: readonly number[]; lcd: number } {
    return this.sequence.stripedOffsets(this.index);
  }

  /**
   * The sequence re-cut in proportion to each segment's share of `value` (k6's GetNewExecutionTupleFromValue): used
   * to hand out work only to segments that got a VU for it (shared iterations by VUs, arrivals by maxVUs). Undefined
   * when this segment's share of `value` is 0: it gets none of that work.
   */
  resegmented(value: number): ExecutionTuple | undefined {
    if (value < 1) return undefined;
    if (value % this.sequence.lcd === 0) return this;
    const v = BigInt(value);
    const segments: ExecutionSegment[] = [];
    let newIndex = -1;
    let prev = 0n;
    this.sequence.segments.forEach((_, i) => {
      const share = BigInt(this.sequence.scale(i, value));
      if (share === 0n) return;
      if (i === this.index) newIndex = segments.length;
      segments.push(new ExecutionSegment(new Rational(prev, v), new Rational(prev + share, v)));
      prev += share;
    });
    if (newIndex < 0) return undefined;
    return segments.length === 1 ? ExecutionTuple.whole : new ExecutionTuple(new StripedSequence(segments), newIndex);
  }

  /** `1/4:1/2 in 0,1/4,1/2,1` */
  toString(): string {
    return `${this.segment} in ${this.sequence}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
