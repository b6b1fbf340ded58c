import { test } from "uvu";
import * as assert from "uvu/assert";
import { runBounded } from "./worker-pool.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

test("every item runs once, never more than `limit` at a time", async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const errors = await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await tick();
    seen.push(n);
    inFlight--;
  });
  assert.equal(errors, []);
  assert.equal([...seen].sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.is(most, 3);
});

test("the first failure stops new items; the ones in flight finish and every failure comes back", async () => {
  const started: number[] = [];
  const errors = await runBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
    started.push(n);
    await tick();
    if (n <= 2) throw new Error(`item ${n}`);
  });
  assert.equal(started, [1, 2], "nothing starts after a failure");
  assert.equal(errors.map((e) => (e as Error).message), ["item 1", "item 2"]);
});

test("no items, and a limit below 1, are fine", async () => {
  assert.equal(await runBounded([], 4, async () => {}), []);
  let n = 0;
  assert.equal(await runBounded([1, 2], 0, async () => void n++), []);
  assert.is(n, 2);
});

test.run();
