// k6's expected statuses (http.expectedStatuses, setResponseCallback): which answers count as a success for
// http_req_failed and the expected_response tag. A failed request (no answer) has status 0.

/** A set of statuses: single codes and inclusive ranges. */
export class ExpectedStatuses {
  readonly #single: ReadonlySet<number>;
  readonly #ranges: ReadonlyArray<readonly [number, number]>;

  constructor(single: Iterable<number>, ranges: ReadonlyArray<readonly [number, number]>) {
    this.#single = new Set(single);
    this.#ranges = ranges;
  }

  has(status: number): boolean {
    if (this.#single.has(status)) return true;
    for (const [min, max] of this.#ranges) if (status >= min && status <= max) return true;
    return false;
  }
}

/** k6's default: 200 to 399. */
export const DEFAULT_EXPECTED = new ExpectedStatuses([], [[200, 399]]);

/**
 * Reads `{ statuses: [200, { min: 500, max: 599 }] }` (what http.expectedStatuses makes); null: nothing is judged.
 * @throws {Error} naming `field` for anything else.
 */
export function parseExpectedStatuses(raw: unknown, field: string): ExpectedStatuses | null {
  if (raw === null) return null;
  const list = (raw as { statuses?: unknown } | undefined)?.statuses;
  if (!Array.isArray(list)) throw new Error(`${field}: must be http.expectedStatuses(…) or null`);
  const single: number[] = [];
  const ranges: Array<[number, number]> = [];
  for (const s of list) {
    if (typeof s === "number" && Number.isInteger(s)) single.push(s);
    else if (s !== null && typeof s === "object" && Number.isInteger((s as { min?: unknown }).min) && Number.isInteger((s as { max?: unknown }).max)) {
      ranges.push([(s as { min: number }).min, (s as { max: number }).max]);
    } else throw new Error(`${field}: ${JSON.stringify(s)} is neither a status code nor { min, max }`);
  }
  return new ExpectedStatuses(single, ranges);
}
