// A kperf profile's load sent by a runner group (`loadgen rg run PROFILE.yaml | RUNNERGROUP.yaml --count N`): as in
// kperf, every runner runs the whole profile (runtime/kperf/kperf-runner.ts), so N runners send N times its requests.
// The run is runtime/kperf/kperf-run.ts's (thresholds on the merged data every tick, summary, outputs, exit code);
// this load is its GroupExecution: the ready barrier, `start` to all at once, every snapshot merged into the run's
// engine as it comes, a lost runner failing the run (or tolerated with --tolerate-lost), and kperf's result JSON
// from the merged metrics (kperf-group-result.ts).
import { ErrorLog } from "../execution/error-log.ts";
import type { KperfLoad, KperfLoadContext } from "../kperf/kperf-run.ts";
import { kperfGroupResult } from "../kperf/kperf-group-result.ts";
import { GroupExecution, type GroupOptions } from "./group-execution.ts";

/**
 * The load of a group whose runners `launch` starts (or reattaches to).
 * @param options the group's options but `launch` and the share (each runner runs the whole profile).
 */
export function kperfGroupLoad(launch: GroupOptions["launch"], options: Omit<GroupOptions, "launch" | "share">): KperfLoad {
  let execution: GroupExecution | undefined;
  const open = (c: KperfLoadContext) => {
    if (execution !== undefined) return execution;
    // The run's signal stops the group (Ctrl-C, abortOnFail); the group's own controller tells every runner.
    const own = new AbortController();
    c.signal.addEventListener("abort", () => own.abort(c.signal.reason), { once: true });
    return (execution = new GroupExecution({ engine: c.engine, controller: own, tags: c.tags, options: { scenarios: [] } }, new ErrorLog(c.log), {
      ...options,
      launch,
      share: "each running the whole profile (as kperf's runners)",
    }));
  };
  return {
    async ready(c) {
      const failure = await open(c).prepare();
      if (failure !== undefined) c.abort(failure.reason, failure.exitCode);
    },
    async run(c) {
      const group = open(c);
      try {
        if (!c.signal.aborted) {
          const failure = await group.run(undefined);
          if (failure !== undefined) c.abort(failure.reason, failure.exitCode);
        }
        const report = group.report();
        return {
          kperf: kperfGroupResult(c.engine, c.profile.specs.length, group.kperfTotals()),
          extensions: { [report.key]: { data: report.data, tables: report.tables } },
        };
      } finally {
        await group.close();
      }
    },
  };
}
