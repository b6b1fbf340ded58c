import type { HostModule, HostValue, RunContext, VuContext } from "../host-module.ts";

/** `loadgen/execution`: what k6's `k6/execution` tells about the VU, scenario and test, and test.abort(). */
export const executionModule: HostModule = {
  open(run: RunContext) {
    // Read run.execution on every call: the scheduler's view replaces the idle one only once the run executes,
    // after this module was opened.
    const exec = () => run.execution;
    return {
      sync: {
        "execution.info"(vu: VuContext, section: HostValue, name: HostValue): HostValue {
          switch (`${section}.${name}`) {
            case "vu.idInTest":
              return vu.id;
            case "vu.idInInstance":
              return vu.idInInstance;
            case "vu.iterationInScenario":
              return vu.iterationInScenario;
            case "vu.iterationInInstance":
              return vu.iterationInScenario;
            case "vu.tags":
              return JSON.stringify(vu.tags.tags);
            case "scenario.name":
              return vu.scenario ?? "";
            case "scenario.executor":
              return (vu.scenario && exec().scenario(vu.scenario)?.executor) || "";
            case "scenario.startTime":
              return (vu.scenario && exec().scenario(vu.scenario)?.startTimeMs) || 0;
            case "scenario.progress":
              return (vu.scenario && exec().scenario(vu.scenario)?.progress()) || 0;
            case "scenario.iterationInTest":
              return vu.scenarioIterationInTest;
            case "instance.vusActive":
              return exec().vusActive();
            case "instance.vusInitialized":
              return exec().vusInitialized();
            case "instance.iterationsCompleted":
              return exec().iterationsCompleted();
            case "instance.currentTestRunDuration":
              return exec().elapsedMs();
            case "test.options":
              return JSON.stringify(run.options() ?? {});
            default:
              throw new Error(`loadgen/execution: unknown field ${section}.${name}`);
          }
        },
        "execution.abort"(_vu: VuContext, reason: HostValue) {
          run.requestAbort(String(reason));
          return undefined;
        },
      },
    };
  },
};
