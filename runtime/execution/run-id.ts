import { randomBytes } from "node:crypto";

/**
 * A new run id: the UTC minute and 6 hex digits (`202601011200-a1b2c3`), unique enough to label every object a run
 * creates (`loadgen.io/run=<id>`) and short enough to type into `loadgen cleanup --run`. The one place ids are made.
 */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 12);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}
