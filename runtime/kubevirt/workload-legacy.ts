// The older workload format of KubeVirt's perfscale-load-generator (kubevirt/kubevirt tools/perfscale-load-generator,
// August 2021 to February 2022; its default workload examples/workload/kubevirt-density/kubevirt-density.yaml):
//
//   globalConfig: {qps: 0, burst: 0}      # the client's rate limit (client-go: 0 means its defaults, 5 qps, burst 10)
//   workloads:                            # run one after the other
//     - name: kubevirt-density-100
//       iterationCount: 1                 # iterations of the workload
//       iterationInterval: 0              # pause after each iteration
//       iterationCreationWait: true       # wait until the iteration's objects are Running (VMs: Ready)
//       iterationCleanup: true            # then delete the run's objects and namespaces
//       iterationDeletionWait: true       # and wait until they are gone
//       namespacedIterations: false       # false: namespace <inputVars.namespace>-1; true: -<iteration>
//       maxWaitTimeout: 30m               # per wait
//       qps: 20                           # the creation rate (a token bucket after each create)
//       burst: 20
//       waitWhenFinished: 30s             # pause after the workload's last iteration
//       objects:
//         - templateFile: templates/vmi-ephemeral.yaml   # relative to the workload file
//           replicas: 100                                # objects per iteration; the template sees {{.replica}} 1..100
//           inputVars: {containerPrefix: "", containerImg: cirros-container-disk-demo, containerTag: "", namespace: kubevirt-density}
//
// This file reads and checks it (config/types.go, object/template.go give the meaning); workload-legacy-scenario.ts
// turns it into a scenario.
import { readFileSync } from "node:fs";
import path from "node:path";
import { InvalidOptionsError } from "../errors.ts";
import { parseGoDuration } from "../metrics/go-duration.ts";
import { sampleTemplate } from "./workload-template.ts";

/** One entry of a workload's `objects`. */
export interface LegacyObject {
  /** Absolute path of the template. */
  readonly templateFile: string;
  readonly template: string;
  readonly replicas: number;
  readonly inputVars: Readonly<Record<string, unknown>>;
  readonly kind: string;
  readonly vmisPerObject: number;
}

/** One entry of `workloads`. */
export interface LegacyWorkload {
  readonly name: string;
  readonly iterationCount: number;
  readonly iterationIntervalMs: number;
  readonly iterationCreationWait: boolean;
  readonly iterationCleanup: boolean;
  readonly iterationDeletionWait: boolean;
  readonly namespacedIterations: boolean;
  readonly maxWaitTimeoutMs: number;
  readonly qps: number;
  readonly burst: number;
  readonly waitWhenFinishedMs: number;
  readonly objects: readonly LegacyObject[];
}

/** A whole workload file of the older format. */
export interface LegacyWorkloadFile {
  /** globalConfig.qps and .burst as written (0 when absent). */
  readonly qps: number;
  readonly burst: number;
  readonly workloads: readonly LegacyWorkload[];
}

const TOP_KEYS = ["globalConfig", "workloads"];
const GLOBAL_KEYS = ["qps", "burst"];
const WORKLOAD_KEYS = [
  "name",
  "uuid",
  "iterationCount",
  "iterationInterval",
  "iterationCreationWait",
  "iterationCleanup",
  "iterationDeletionWait",
  "namespacedIterations",
  "maxWaitTimeout",
  "qps",
  "burst",
  "waitWhenFinished",
  "objects",
];
const OBJECT_KEYS = ["templateFile", "replicas", "inputVars"];

/** Is this YAML document a workload file of the older format (globalConfig + workloads[])? */
export function isLegacyWorkload(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return "workloads" in d && !("spec" in d) && !("specs" in d) && !("object" in d);
}

/**
 * The namespace variable an object of iteration `iteration` sees: `<inputVars.namespace>-1`, or `-<iteration>` with
 * namespacedIterations (object/template.go, generateNamespace). The generated scenario repeats this rule.
 */
export function legacyNamespace(prefix: unknown, iteration: number, namespacedIterations: boolean): string {
  return `${String(prefix)}-${namespacedIterations ? iteration : 1}`;
}

/** The template variables of one object (object/template.go, GenerateObjectTemplateData): inputVars may override iteration and replica. */
export function legacyVars(inputVars: Readonly<Record<string, unknown>>, iteration: number, replica: number, namespacedIterations: boolean): Record<string, unknown> {
  const vars: Record<string, unknown> = { iteration, replica };
  for (const [k, v] of Object.entries(inputVars)) vars[k] = k === "namespace" ? legacyNamespace(v, iteration, namespacedIterations) : v;
  return vars;
}

/**
 * Reads and checks a workload file of the older format; every template is rendered once.
 * @throws {InvalidOptionsError} naming every wrong field (`workloads[0].objects[0].replicas: …`) in `file`, or a template that does not render.
 */
export function parseLegacyWorkload(doc: unknown, file: string): LegacyWorkloadFile {
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  const unknownKeys = (o: Record<string, unknown>, known: readonly string[], at: string) => {
    // The tool ignored fields it did not know; a misspelt one would silently change the test, so it is an error here.
    for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${at}${k}: unknown field (known: ${known.join(", ")})`);
  };
  unknownKeys(d, TOP_KEYS, "");
  const num = (o: Record<string, unknown>, key: string, at: string, o2: { whole?: boolean; min?: number; required?: boolean }): number => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (o2.required) problems.push(`${at}${key}: required, a whole number >= ${o2.min ?? 0}`);
      return 0;
    }
    if (typeof v !== "number" || !Number.isFinite(v) || (o2.whole && !Number.isInteger(v)) || v < (o2.min ?? 0)) {
      problems.push(`${at}${key}: ${o2.whole ? "a whole number" : "a number"} >= ${o2.min ?? 0}, got ${JSON.stringify(v)}`);
      return 0;
    }
    return v;
  };
  const duration = (o: Record<string, unknown>, key: string, at: string): number => {
    if (o[key] === undefined || o[key] === null) return 0;
    try {
      return parseGoDuration(o[key], `${at}${key}`);
    } catch (e) {
      problems.push((e as Error).message);
      return 0;
    }
  };
  const bool = (o: Record<string, unknown>, key: string, at: string): boolean => {
    const v = o[key];
    if (v === undefined || v === null) return false;
    if (typeof v === "boolean") return v;
    // The tool read YAML 1.1 (ghodss/yaml over go-yaml v2), where yes/no/on/off are booleans too.
    if (typeof v === "string" && /^(y|Y|yes|Yes|YES|on|On|ON)$/.test(v)) return true;
    if (typeof v === "string" && /^(n|N|no|No|NO|off|Off|OFF)$/.test(v)) return false;
    problems.push(`${at}${key}: true or false, got ${JSON.stringify(v)}`);
    return false;
  };

  let qps = 0;
  let burst = 0;
  if (d.globalConfig !== undefined && d.globalConfig !== null) {
    if (!isMap(d.globalConfig)) problems.push(`globalConfig: a mapping with qps and burst, got ${JSON.stringify(d.globalConfig)}`);
    else {
      unknownKeys(d.globalConfig, GLOBAL_KEYS, "globalConfig.");
      // client-go: a negative qps turns its rate limiter off, so negatives are allowed here.
      const g = d.globalConfig;
      if (g.qps !== undefined && g.qps !== null && (typeof g.qps !== "number" || !Number.isFinite(g.qps))) problems.push(`globalConfig.qps: a number, got ${JSON.stringify(g.qps)}`);
      else qps = typeof g.qps === "number" ? g.qps : 0;
      burst = num(g, "burst", "globalConfig.", { whole: true });
    }
  }

  const workloads: LegacyWorkload[] = [];
  if (!Array.isArray(d.workloads) || d.workloads.length === 0) problems.push(`workloads: a list of workloads, at least one, got ${JSON.stringify(d.workloads)}`);
  else {
    d.workloads.forEach((raw: unknown, wi: number) => {
      const at = `workloads[${wi}].`;
      if (!isMap(raw)) {
        problems.push(`workloads[${wi}]: a mapping (name, iterationCount, objects, ...), got ${JSON.stringify(raw)}`);
        return;
      }
      unknownKeys(raw, WORKLOAD_KEYS, at);
      const name = typeof raw.name === "string" && raw.name !== "" ? raw.name : (problems.push(`${at}name: required, a string`), `workload-${wi + 1}`);
      const w = {
        name,
        iterationCount: num(raw, "iterationCount", at, { whole: true, required: true }),
        iterationIntervalMs: duration(raw, "iterationInterval", at),
        iterationCreationWait: bool(raw, "iterationCreationWait", at),
        iterationCleanup: bool(raw, "iterationCleanup", at),
        iterationDeletionWait: bool(raw, "iterationDeletionWait", at),
        namespacedIterations: bool(raw, "namespacedIterations", at),
        maxWaitTimeoutMs: duration(raw, "maxWaitTimeout", at),
        qps: num(raw, "qps", at, {}),
        burst: num(raw, "burst", at, { whole: true }),
        waitWhenFinishedMs: duration(raw, "waitWhenFinished", at),
      };
      // Each wait gives up after maxWaitTimeout; the tool's zero value would give up at once.
      const waits = w.iterationCreationWait || (w.iterationCleanup && w.iterationDeletionWait);
      if (waits && w.maxWaitTimeoutMs <= 0 && !problems.some((p) => p.startsWith(`${at}maxWaitTimeout:`))) {
        problems.push(`${at}maxWaitTimeout: required, a duration such as "30m", when iterationCreationWait or iterationDeletionWait is true`);
      }
      const objects: LegacyObject[] = [];
      if (!Array.isArray(raw.objects) || raw.objects.length === 0) problems.push(`${at}objects: a list of objects (templateFile, replicas, inputVars), at least one, got ${JSON.stringify(raw.objects)}`);
      else {
        raw.objects.forEach((o: unknown, oi: number) => {
          const oat = `${at}objects[${oi}].`;
          if (!isMap(o)) {
            problems.push(`${at}objects[${oi}]: a mapping (templateFile, replicas, inputVars), got ${JSON.stringify(o)}`);
            return;
          }
          unknownKeys(o, OBJECT_KEYS, oat);
          // The tool indexes the first replica of each object: replicas 0 made it panic.
          const replicas = num(o, "replicas", oat, { whole: true, min: 1, required: true });
          const inputVars = o.inputVars ?? {};
          if (!isMap(inputVars)) problems.push(`${oat}inputVars: a mapping of variables, got ${JSON.stringify(inputVars)}`);
          let templateFile = "";
          let template = "";
          if (typeof o.templateFile !== "string" || o.templateFile === "") problems.push(`${oat}templateFile: required, a path relative to the workload file`);
          else {
            templateFile = path.resolve(path.dirname(file), o.templateFile);
            try {
              template = readFileSync(templateFile, "utf8");
            } catch (e) {
              problems.push(`${oat}templateFile: cannot read ${templateFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
            }
          }
          objects.push({ templateFile, template, replicas, inputVars: isMap(inputVars) ? inputVars : {}, kind: "", vmisPerObject: 1 });
        });
      }
      workloads.push({ ...w, objects });
    });
  }
  if (problems.length > 0) throw new InvalidOptionsError(problems, file);
  if (workloads.every((w) => w.iterationCount === 0 && w.waitWhenFinishedMs <= 0)) {
    throw new InvalidOptionsError([`workloads[*].iterationCount: every workload has 0 iterations: nothing to run`], file);
  }

  // Render each template once, as its first object (iteration 1, replica 1), before anything is created.
  const checked = workloads.map((w, wi) => ({
    ...w,
    objects: w.objects.map((o, oi) => {
      const field = `workloads[${wi}].objects[${oi}].templateFile`;
      const sample = sampleTemplate(o.template, legacyVars(o.inputVars, 1, 1, w.namespacedIterations), field, o.templateFile, file);
      if (sample.namespace === undefined) {
        throw new InvalidOptionsError([`${field}: the object has no metadata.namespace; the tool creates every object in a namespace: set inputVars.namespace and namespace: "{{.namespace}}" in the template`], file);
      }
      return { ...o, kind: sample.kind, vmisPerObject: sample.vmisPerObject };
    }),
  }));
  return { qps, burst, workloads: checked };
}
