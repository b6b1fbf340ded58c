/**
 * Execution segments, k6's (lib/execution_segment.go): a segment is a rational interval (from, to] of the whole test;
 * a sequence is a chain of them with no gaps. Knowing only its segment and the sequence, every instance computes its
 * own share of the work, with no coordinator (execution-tuple.ts does the arithmetic).
 */
import { Rational } from "./rational.ts";

export class ExecutionSegment {
  readonly from: Rational;
  readonly to: Rational;
  readonly length: Rational;

  /** @throws {Error} unless 0 ≤ from < to ≤ 1. */
  constructor(from: Rational, to: Rational) {
    if (from.cmp(Rational.zero) < 0) throw new Error(`the segment's start must be at least 0, got ${from}`);
    if (from.cmp(to) >= 0) throw new Error(`the segment's start (${from}) must be below its end (${to})`);
    if (to.cmp(Rational.one) > 0) throw new Error(`the segment's end must be at most 1, got ${to}`);
    this.from = from;
    this.to = to;
    this.length = to.sub(from);
  }

  static readonly full = new ExecutionSegment(Rational.zero, Rational.one);

  /**
   * k6's forms: `from:to` (`1/4:2/4`, `0.25:0.5`, `25%:50%`), or a lone `to` for `0:to` (`1/4`). Empty is the whole test.
   * @throws {Error} saying what is wrong.
   */
  static parse(text: string): ExecutionSegment {
    const s = text.trim();
    if (s === "") return ExecutionSegment.full;
    const colon = s.indexOf(":");
    const from = colon < 0 ? Rational.zero : Rational.parse(s.slice(0, colon));
    const to = Rational.parse(colon < 0 ? s : s.slice(colon + 1));
    return new ExecutionSegment(from, to);
  }

  equals(o: ExecutionSegment): boolean {
    return this.from.equals(o.from) && this.to.equals(o.to);
  }

  isFull(): boolean {
    return this.length.equals(Rational.one);
  }

  /** `1/4:1/2` (k6's form). */
  toString(): string {
    return `${this.from}:${this.to}`;
  }
}

/**
 * A sequence `r0,r1,…,rn`: the segments (r0,r1], (r1,r2], …; at least two points, each above the one before.
 * @throws {Error} saying which point is wrong.
 */
export function parseSequence(text: string): ExecutionSegment[] {
  const points = text.split(",").map((p) => p.trim());
  if (points.length < 2) throw new Error(`a sequence needs at least 2 points (e.g. 0,1/2,1), got ${points.length}`);
  const values = points.map((p, i) => {
    try {
      return Rational.parse(p);
    } catch (e) {
      throw new Error(`point ${i + 1}: ${(e as Error).message}`);
    }
  });
  const out: ExecutionSegment[] = [];
  for (let i = 1; i < values.length; i++) {
    try {
      out.push(new ExecutionSegment(values[i - 1]!, values[i]!));
    } catch (e) {
      throw new Error(`points ${i} and ${i + 1} (${points[i - 1]}, ${points[i]}): ${(e as Error).message}`);
    }
  }
  return out;
}

/** `0,1/4,1/2,1` (k6's form). */
export function sequenceToString(sequence: readonly ExecutionSegment[]): string {
  return sequence.length === 0 ? "" : [sequence[0]!.from, ...sequence.map((s) => s.to)].join(",");
}

/**
 * The sequence filled out to cover 0..1 (k6's GetFilledExecutionSegmentSequence): without a sequence, the segment
 * alone (or the whole test); gaps before the first and after the last segment become segments of their own.
 */
export function filledSequence(sequence: readonly ExecutionSegment[] | undefined, segment: ExecutionSegment | undefined): ExecutionSegment[] {
  let result: ExecutionSegment[];
  if (sequence === undefined || sequence.length === 0) {
    if (segment === undefined || segment.isFull()) return [ExecutionSegment.full];
    result = [segment];
  } else result = [...sequence];
  if (!result[0]!.from.equals(Rational.zero)) result.unshift(new ExecutionSegment(Rational.zero, result[0]!.from));
  const last = result[result.length - 1]!;
  if (!last.to.equals(Rational.one)) result.push(new ExecutionSegment(last.to, Rational.one));
  return result;
}
