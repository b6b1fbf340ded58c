// Guest shim of `loadgen/execution`: live getters over the host's view of the VU, scenario and test.
import { host, parseJson } from "../guest-host.ts";

const info = /* @__PURE__ */ host.sync("execution.info");
const abortHost = /* @__PURE__ */ host.sync("execution.abort");

const vu = /* @__PURE__ */ Object.freeze({
  get idInTest(): number { return info("vu", "idInTest"); },
  get idInInstance(): number { return info("vu", "idInInstance"); },
  get iterationInScenario(): number { return info("vu", "iterationInScenario"); },
  get iterationInInstance(): number { return info("vu", "iterationInInstance"); },
  get tags(): Record<string, string> { return parseJson(info("vu", "tags")); },
});

const scenario = /* @__PURE__ */ Object.freeze({
  get name(): string { return info("scenario", "name"); },
  get executor(): string { return info("scenario", "executor"); },
  get startTime(): number { return info("scenario", "startTime"); },
  get progress(): number { return info("scenario", "progress"); },
  get iterationInTest(): number { return info("scenario", "iterationInTest"); },
});

const instance = /* @__PURE__ */ Object.freeze({
  get vusActive(): number { return info("instance", "vusActive"); },
  get vusInitialized(): number { return info("instance", "vusInitialized"); },
  get iterationsCompleted(): number { return info("instance", "iterationsCompleted"); },
  get currentTestRunDuration(): number { return info("instance", "currentTestRunDuration"); },
});

const test = /* @__PURE__ */ Object.freeze({
  abort(reason?: string): never {
    abortHost(reason === undefined ? "test.abort() called" : String(reason));
    throw new Error("test aborted");
  },
  get options(): Record<string, unknown> { return parseJson(info("test", "options")); },
});

const execution = /* @__PURE__ */ Object.freeze({ vu, scenario, instance, test });
export { vu, scenario, instance, test };
export default execution;
