// A bounded worker pool: `fn` over a list with at most `limit` calls in flight, the next item taken as soon as one
// ends (not in batches, so one slow call holds up no others). The first failure stops new items from starting; the
// ones in flight finish, and every failure is handed back.

/**
 * Runs `fn` over `items` with at most `limit` (at least 1) in flight; stops starting new ones after the first failure.
 * @returns every failure, in the order they happened ([] when all succeeded).
 */
export async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, Math.floor(limit)), items.length) }, worker));
  return errors;
}
