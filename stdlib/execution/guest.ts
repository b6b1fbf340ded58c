// Guest shim of `loadgen/execution`: live getters over the host's view of the VU, scenario and test.
import { host } from "../guest-host.ts";

const info = /* @__PURE__ */ host.sync("execution.info");
const abortHost = /* @__PURE__ */ host.sync("execution.abort");

function field(section: string, name: string): any {
  return info(section, name);
}

const vu = /* @__PURE__ */ Object.freeze({
  get idInTest(): number { return field("vu", "idInTest"); },
  get idInInstance(): number { return field("vu", "idInTest"); },
  get iterationInScenario(): number { return field("vu", "iterationInScenario"); },
  get iterationInInstance(): number { return field("vu", "iterationInInstance"); },
  get tags(): Record<string, string> { return JSON.parse(field("vu", "tags")); },
});

const scenario = /* @__PURE__ */ Object.freeze({
  get name(): string { return field("scenario", "name"); },
  get executor(): string { return field("scenario", "executor"); },
  get startTime(): number { return field("scenario", "startTime"); },
  get progress(): number { return field("scenario", "progress"); },
  get iterationInTest(): number { return field("scenario", "iterationInTest"); },
});

const instance = /* @__PURE__ */ Object.freeze({
  get vusActive(): number { return field("instance", "vusActive"); },
  get vusInitialized(): number { return field("instance", "vusInitialized"); },
  get iterationsCompleted(): number { return field("instance", "iterationsCompleted"); },
  get currentTestRunDuration(): number { return field("instance", "currentTestRunDuration"); },
});

const test = /* @__PURE__ */ Object.freeze({
  abort(reason?: string): never {
    abortHost(reason === undefined ? "test.abort() called" : String(reason));
    throw new Error("test aborted");
  },
  get options(): Record<string, unknown> { return JSON.parse(field("test", "options")); },
});

const execution = /* @__PURE__ */ Object.freeze({ vu, scenario, instance, test });
export { vu, scenario, instance, test };
export default execution;
