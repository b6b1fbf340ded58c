import { test } from "uvu";
import * as assert from "uvu/assert";
import { newRunId } from "./run-id.ts";

test("newRunId() is the UTC minute and six hex digits, new every time", () => {
  const ids = new Set(Array.from({ length: 50 }, newRunId));
  assert.is(ids.size, 50);
  for (const id of ids) assert.match(id, /^\d{12}-[0-9a-f]{6}$/);
});

test.run();
