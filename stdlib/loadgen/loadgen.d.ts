/**
 * `loadgen`: the basics of a scenario, as in k6 — checks, groups, sleeping and failing an iteration.
 * @module
 */

/**
 * Runs each named check function on `value` and records the result in the `checks` rate metric, tagged
 * `check: <name>` (and `group`, and your `tags`). A failing check does not stop the iteration; use thresholds
 * on `checks` to fail the run.
 * @param value The value the checks look at.
 * @param checks Check name → function returning truthy for a pass (a throwing function fails the check).
 * @param tags Extra tags for these check samples, e.g. `{ kind: "create" }`.
 * @returns true when every check passed.
 * @example Usage
 * ```ts
 * import { check } from "loadgen";
 * const ok = check(201, { "created": (status) => status === 201 });
 * ```
 */
export function check<T>(value: T, checks: Record<string, (value: T) => unknown>, tags?: Record<string, string>): boolean;

/**
 * Runs `fn` inside a named group: its samples carry `group: ::<name>` (nested groups join with `::`), and its
 * duration is recorded in `group_duration`. Async functions are awaited.
 * @param name The group's name (no `::`).
 * @param fn The code of the group.
 * @returns What `fn` returns.
 * @example Usage
 * ```ts
 * import { group } from "loadgen";
 * await group("create", async () => { });
 * ```
 */
export function group<T>(name: string, fn: () => T): T;

/**
 * Waits `seconds` without blocking other VUs. `sleep(0)` yields for one turn of the event loop.
 * @param seconds Seconds, fractions allowed.
 * @example Usage
 * ```ts
 * import { sleep } from "loadgen";
 * await sleep(0.5);
 * ```
 */
export function sleep(seconds: number): Promise<void>;

/**
 * Fails the current iteration with an error (it is counted and logged; the run goes on). In setup() it stops the run.
 * @param reason Why the iteration failed.
 * @throws {Error} always.
 * @example Usage
 * ```ts
 * import { fail } from "loadgen";
 * const objects: unknown[] = [];
 * if (objects.length === 0) fail("no objects listed");
 * ```
 */
export function fail(reason?: string): never;
