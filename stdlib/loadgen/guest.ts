// Guest shim of `loadgen`: runs inside each VU. Logic that needs no host stays here (fail, the check loop).
import { host, jsonText } from "../guest-host.ts";

const sleepHost = /* @__PURE__ */ host.async("loadgen.sleep");
const checkHost = /* @__PURE__ */ host.sync("loadgen.check");
const enterGroup = /* @__PURE__ */ host.sync("loadgen.groupEnter");
const leaveGroup = /* @__PURE__ */ host.sync("loadgen.groupLeave");

export function sleep(seconds: number): Promise<void> {
  return sleepHost(Number(seconds));
}

export function check<T>(value: T, checks: Record<string, (v: T) => unknown>, tags?: Record<string, string>): boolean {
  const tagsJson = jsonText(tags);
  let all = true;
  for (const name of Object.keys(checks)) {
    let ok: boolean;
    try {
      ok = !!checks[name]!(value);
    } catch {
      ok = false;
    }
    checkHost(name, ok, tagsJson);
    if (!ok) all = false;
  }
  return all;
}

export function group<T>(name: string, fn: () => T): T {
  const started = Date.now();
  const parent: string = enterGroup(String(name));
  let result: T;
  try {
    result = fn();
  } catch (e) {
    leaveGroup(parent, Date.now() - started);
    throw e;
  }
  if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as Promise<unknown>).finally(() => leaveGroup(parent, Date.now() - started)) as T;
  }
  leaveGroup(parent, Date.now() - started);
  return result;
}

export function fail(reason?: string): never {
  throw new Error(reason === undefined ? "fail() called" : String(reason));
}
