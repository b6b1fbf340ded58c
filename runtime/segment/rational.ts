/**
 * Exact rational numbers on bigint, for execution segments (k6 uses Go's big.Rat for the same reason: a third of a
 * test must be exactly a third, or VUs get lost between instances). Small enough to hand-write: a dependency such as
 * fraction.js would add more than this file to parse the few forms k6 accepts.
 */
export class Rational {
  /** Always reduced, with a positive denominator. */
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new RangeError("division by zero");
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num < 0n ? -num : num, den);
    this.num = g > 1n ? num / g : num;
    this.den = g > 1n ? den / g : den;
  }

  static readonly zero = new Rational(0n);
  static readonly one = new Rational(1n);

  /**
   * Reads k6's forms: a fraction (`1/3`), a decimal (`0.25`, `.5`), an integer, or an integer percentage (`25%`).
   * @throws {Error} for anything else.
   */
  static parse(text: string): Rational {
    const s = text.trim();
    let m = /^(\d+)%$/.exec(s);
    if (m) return new Rational(BigInt(m[1]!), 100n);
    m = /^(\d+)\s*\/\s*(\d+)$/.exec(s);
    if (m) {
      if (BigInt(m[2]!) === 0n) throw new Error(`"${text}" divides by zero`);
      return new Rational(BigInt(m[1]!), BigInt(m[2]!));
    }
    m = /^(\d*)(?:\.(\d+))?$/.exec(s);
    if (m && (m[1] !== "" || m[2] !== undefined)) {
      const frac = m[2] ?? "";
      return new Rational(BigInt((m[1] || "0") + frac), 10n ** BigInt(frac.length));
    }
    throw new Error(`"${text}" is not a fraction (1/4), a decimal (0.25) or a percentage (25%)`);
  }

  add(o: Rational): Rational {
    return new Rational(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(o: Rational): Rational {
    return new Rational(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  mul(o: Rational): Rational {
    return new Rational(this.num * o.num, this.den * o.den);
  }

  cmp(o: Rational): number {
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }

  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }

  /** `3/4`, or `1` for a whole number (k6's RatString). */
  toString(): string {
    return this.den === 1n ? String(this.num) : `${this.num}/${this.den}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
