import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { StackMapper } from "../bundle/source-map.ts";

/** An exception from scenario code, with its stack already mapped to the TypeScript source. */
export interface GuestError {
  readonly name: string;
  readonly message: string;
  /** The mapped stack (`at fn (scenarios/x.ts:8:11)` lines), possibly empty. */
  readonly stack: string;
  /** First scenario location of the stack, `file:line:col`, when there is one. */
  readonly location: string | undefined;
  /** The engine stopped the code: a blocking deadline, a hard stop, or the memory cap. */
  readonly kind: "exception" | "interrupted" | "out-of-memory";
}

/** Reads a thrown guest value (without keeping the handle) into a GuestError. */
export function readGuestError(vm: QuickJSContext, handle: QuickJSHandle, mapper: StackMapper): GuestError {
  if (vm.typeof(handle) === "object" && vm.sameValue(handle, vm.null)) {
    // At its memory cap QuickJS may fail to allocate even the "out of memory" InternalError and throws null
    // instead. Scenarios do not throw null in practice, so a null exception is read as the VU running out of memory.
    return { name: "InternalError", message: "out of memory", stack: "", location: undefined, kind: "out-of-memory" };
  }
  let name = "Error";
  let message: string;
  let rawStack = "";
  try {
    if (vm.typeof(handle) === "object") {
      name = stringProp(vm, handle, "name") ?? "Error";
      message = stringProp(vm, handle, "message") ?? safeDump(vm, handle);
      rawStack = stringProp(vm, handle, "stack") ?? "";
    } else {
      message = safeDump(vm, handle);
    }
  } catch {
    // Reading the error can itself fail when the VU's heap is exhausted.
    message = "out of memory";
    name = "InternalError";
  }
  const stack = rawStack ? shortened(mapper.mapStack(rawStack).replace(/\s+$/, "")) : "";
  const kind = name === "InternalError" && message === "interrupted"
    ? "interrupted"
    : /out of memory/i.test(message) && name === "InternalError" ? "out-of-memory" : "exception";
  return { name, message, stack, location: rawStack ? mapper.firstLocation(rawStack) : undefined, kind };
}

const MAX_FRAMES = 12;

/** The first frames of a stack; a stack overflow has thousands of identical ones, too many to print. */
function shortened(stack: string): string {
  const lines = stack.split("\n");
  if (lines.length <= MAX_FRAMES) return stack;
  return [...lines.slice(0, MAX_FRAMES), `    … ${lines.length - MAX_FRAMES} more frames`].join("\n");
}

/** A GuestError as one printable block: `Error: msg\n    at fn (scenarios/x.ts:8:11)`. */
export function formatGuestError(e: GuestError): string {
  return `${e.name}: ${e.message}${e.stack ? "\n" + e.stack.replace(/^(?!\s)/gm, "    ") : ""}`;
}

function stringProp(vm: QuickJSContext, handle: QuickJSHandle, key: string): string | undefined {
  const h = vm.getProp(handle, key);
  try {
    const t = vm.typeof(h);
    return t === "undefined" ? undefined : t === "string" ? vm.getString(h) : String(vm.dump(h));
  } finally {
    h.dispose();
  }
}

function safeDump(vm: QuickJSContext, handle: QuickJSHandle): string {
  try {
    const v = vm.dump(handle);
    return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  } catch {
    return "(unreadable value)";
  }
}
