import type { HostModule, HostValue, RunContext, VuContext } from "../host-module.ts";
import { TagCache } from "../tag-cache.ts";

/** `loadgen`: check, group, sleep, fail; plus the globals `open()` and `console` that every VU gets (runtime/vu/guest-globals.ts). */
export const loadgenModule: HostModule = {
  open(run: RunContext) {
    const checks = run.metrics.register("checks", "rate");
    const groupDuration = run.metrics.register("group_duration", "trend", "time");
    const tagCache = new TagCache();
    const files = new Map<string, string>();

    return {
      sync: {
        "loadgen.check"(vu: VuContext, name: HostValue, ok: HostValue, tagsJson: HostValue) {
          const tags = vu.tags.with("check", String(name));
          vu.emit(checks, ok ? 1 : 0, typeof tagsJson === "string" ? tagCache.apply(tags, tagsJson) : tags);
          return undefined;
        },
        "loadgen.groupEnter"(vu: VuContext, name: HostValue) {
          const parent = vu.groupPath;
          const label = String(name);
          if (label.includes("::")) throw new Error(`group name "${label}" must not contain "::"`);
          vu.setGroupPath(parent + "::" + label);
          return parent;
        },
        "loadgen.groupLeave"(vu: VuContext, parent: HostValue, elapsedMs: HostValue) {
          vu.emit(groupDuration, Number(elapsedMs));
          vu.setGroupPath(String(parent ?? ""));
          return undefined;
        },
        "loadgen.open"(vu: VuContext, file: HostValue, mode: HostValue) {
          if (mode !== "r" && mode !== "b") throw new TypeError(`open(): mode must be "r" or "b", got ${JSON.stringify(mode)}`);
          if (vu.phase !== "init") throw new Error("open() can only be called in the init context (top level of the script)");
          const key = `${mode}:${file}`;
          let content = files.get(key);
          if (content === undefined) {
            content = run.scriptFiles.read(String(file)).toString(mode === "b" ? "latin1" : "utf8");
            files.set(key, content);
          }
          return content;
        },
        "loadgen.console"(vu: VuContext, level: HostValue, ...args: HostValue[]) {
          // Objects arrive as JSON text (see toHost in runtime/vu/vu.ts), strings as they are.
          const text = run.mapStack(args.map((a) => (typeof a === "string" ? a : String(a))).join(" "));
          run.log(`${String(level).toUpperCase().padEnd(5)} ${text}${vu.id === 0 ? "" : `  (vu ${vu.id})`}`);
          return undefined;
        },
      },
      async: {
        "loadgen.sleep"(vu: VuContext, seconds: HostValue) {
          const ms = Number(seconds) * 1000;
          // sleep(0) yields for one event-loop turn, like a zero timer in k6, without a timer's 1 ms floor.
          if (!(ms > 0)) return new Promise<HostValue>((resolve) => setImmediate(() => resolve(undefined)));
          return new Promise<HostValue>((resolve) => setTimeout(() => resolve(undefined), ms));
        },
      },
    };
  },
};
