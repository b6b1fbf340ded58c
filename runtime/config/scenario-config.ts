import { parseDuration } from "../metrics/duration.ts";

/** One stage of a ramping executor: reach `target` (VUs or iterations per timeUnit) over `durationMs`. */
export interface Stage {
  readonly durationMs: number;
  readonly target: number;
}

/** Options every executor takes (k6's BaseConfig). */
export interface BaseScenarioConfig {
  readonly name: string;
  readonly executor: ExecutorType;
  readonly startTimeMs: number;
  readonly gracefulStopMs: number;
  /** The exported function each iteration calls. */
  readonly exec: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SharedIterationsConfig extends BaseScenarioConfig {
  readonly executor: "shared-iterations";
  readonly vus: number;
  readonly iterations: number;
  readonly maxDurationMs: number;
}
export interface PerVuIterationsConfig extends BaseScenarioConfig {
  readonly executor: "per-vu-iterations";
  readonly vus: number;
  readonly iterations: number;
  readonly maxDurationMs: number;
}
export interface ConstantVusConfig extends BaseScenarioConfig {
  readonly executor: "constant-vus";
  readonly vus: number;
  readonly durationMs: number;
}
export interface RampingVusConfig extends BaseScenarioConfig {
  readonly executor: "ramping-vus";
  readonly startVUs: number;
  readonly stages: readonly Stage[];
  readonly gracefulRampDownMs: number;
}
export interface ConstantArrivalRateConfig extends BaseScenarioConfig {
  readonly executor: "constant-arrival-rate";
  readonly rate: number;
  readonly timeUnitMs: number;
  readonly durationMs: number;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
}
export interface RampingArrivalRateConfig extends BaseScenarioConfig {
  readonly executor: "ramping-arrival-rate";
  readonly startRate: number;
  readonly timeUnitMs: number;
  readonly stages: readonly Stage[];
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
}

export type ScenarioConfig =
  | SharedIterationsConfig
  | PerVuIterationsConfig
  | ConstantVusConfig
  | RampingVusConfig
  | ConstantArrivalRateConfig
  | RampingArrivalRateConfig;

export type ExecutorType = ScenarioConfig["executor"];

const COMMON_FIELDS = ["executor", "startTime", "gracefulStop", "exec", "env", "tags"] as const;

/** The fields each executor accepts beyond the common ones (k6's names). */
export const EXECUTOR_FIELDS: Readonly<Record<ExecutorType, readonly string[]>> = {
  "shared-iterations": ["vus", "iterations", "maxDuration"],
  "per-vu-iterations": ["vus", "iterations", "maxDuration"],
  "constant-vus": ["vus", "duration"],
  "ramping-vus": ["startVUs", "stages", "gracefulRampDown"],
  "constant-arrival-rate": ["rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"],
  "ramping-arrival-rate": ["startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"],
};

/**
 * Reads one entry of `options.scenarios`, applying k6's defaults. Every problem is appended to `problems`
 * with the field's full path (`scenarios.burst.vus: must be a positive integer, got -1`); the result is
 * undefined when there was any.
 */
export function parseScenario(name: string, raw: unknown, problems: string[]): ScenarioConfig | undefined {
  const at = `scenarios.${name}`;
  const before = problems.length;
  if (!/^[A-Za-z0-9_-]+$/.test(name)) problems.push(`${at}: scenario names may use letters, digits, "_" and "-"`);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  const executor = o.executor;
  if (typeof executor !== "string" || !(executor in EXECUTOR_FIELDS)) {
    const near = typeof executor === "string" ? closestExecutor(executor) : undefined;
    problems.push(
      `${at}.executor: ${executor === undefined ? "missing" : `unknown executor ${JSON.stringify(executor)}`}${near ? ` (did you mean "${near}"?)` : ""}; use one of ${Object.keys(EXECUTOR_FIELDS).join(", ")}`,
    );
    // The other fields are still read, so that one run of the script reports every problem, not just this one.
    checkFieldsOfAnyExecutor(at, o, problems);
    return undefined;
  }
  const type = executor as ExecutorType;
  const allowed = new Set<string>([...COMMON_FIELDS, ...EXECUTOR_FIELDS[type]]);
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) problems.push(`${at}.${key}: unknown option for executor ${type}; it takes ${[...allowed].join(", ")}`);
  }
  const r = new FieldReader(at, o, problems);
  const base = {
    name,
    startTimeMs: r.duration("startTime", 0),
    gracefulStopMs: r.duration("gracefulStop", 30_000),
    exec: r.string("exec", "default"),
    env: r.stringMap("env"),
    tags: r.stringMap("tags"),
  };
  let config: ScenarioConfig;
  switch (type) {
    case "shared-iterations":
    case "per-vu-iterations": {
      const vus = r.integer("vus", 1, 1);
      const iterations = r.integer("iterations", 1, 1);
      if (type === "shared-iterations" && iterations < vus && problems.length === before) {
        problems.push(`${at}.iterations: ${iterations} shared iterations cannot keep ${vus} VUs busy; use at least as many iterations as vus`);
      }
      config = { ...base, executor: type, vus, iterations, maxDurationMs: r.duration("maxDuration", 600_000, true) };
      break;
    }
    case "constant-vus":
      config = { ...base, executor: type, vus: r.integer("vus", 1, 1), durationMs: r.requiredDuration("duration") };
      break;
    case "ramping-vus":
      config = {
        ...base,
        executor: type,
        startVUs: r.integer("startVUs", 1, 0),
        stages: r.stages("stages"),
        gracefulRampDownMs: r.duration("gracefulRampDown", 30_000),
      };
      break;
    case "constant-arrival-rate":
      config = {
        ...base,
        ...arrivalVus(r, at, problems),
        executor: type,
        rate: r.requiredNumber("rate", true),
        timeUnitMs: r.duration("timeUnit", 1000, true),
        durationMs: r.requiredDuration("duration"),
      };
      break;
    case "ramping-arrival-rate":
      config = {
        ...base,
        ...arrivalVus(r, at, problems),
        executor: type,
        startRate: r.number("startRate", 0),
        timeUnitMs: r.duration("timeUnit", 1000, true),
        stages: r.stages("stages"),
      };
      break;
  }
  return problems.length === before ? config : undefined;
}

/** Field types shared by the executors that take each field, for checking a scenario whose executor is unknown. */
const FIELD_KINDS: Readonly<Record<string, "integer" | "integer0" | "number" | "duration" | "stages">> = {
  vus: "integer",
  iterations: "integer",
  startVUs: "integer0",
  preAllocatedVUs: "integer0",
  maxVUs: "integer0",
  rate: "number",
  startRate: "number",
  duration: "duration",
  maxDuration: "duration",
  timeUnit: "duration",
  gracefulRampDown: "duration",
  stages: "stages",
};

function checkFieldsOfAnyExecutor(at: string, o: Record<string, unknown>, problems: string[]): void {
  const r = new FieldReader(at, o, problems);
  r.duration("startTime", 0);
  r.duration("gracefulStop", 0);
  r.string("exec", "default");
  r.stringMap("env");
  r.stringMap("tags");
  const known = new Set<string>([...COMMON_FIELDS, ...Object.keys(FIELD_KINDS)]);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) problems.push(`${at}.${key}: unknown option (no executor takes it)`);
    switch (FIELD_KINDS[key]) {
      case "integer":
        r.integer(key, 1, 1);
        break;
      case "integer0":
        r.integer(key, 0, 0);
        break;
      case "number":
        r.number(key, 0, false);
        break;
      case "duration":
        r.duration(key, 0, key !== "gracefulRampDown");
        break;
      case "stages":
        r.stages(key);
        break;
    }
  }
}

/** The executor name within two edits of `name`, for a "did you mean" hint. */
function closestExecutor(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of Object.keys(EXECUTOR_FIELDS)) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The VU budget of an arrival-rate executor: preAllocatedVUs (required) and maxVUs (default: the same, never below). */
function arrivalVus(r: FieldReader, at: string, problems: string[]): { preAllocatedVUs: number; maxVUs: number } {
  const preAllocatedVUs = r.requiredInteger("preAllocatedVUs", 1);
  const maxVUs = r.integer("maxVUs", preAllocatedVUs, 1);
  if (maxVUs < preAllocatedVUs) problems.push(`${at}.maxVUs: ${maxVUs} is below preAllocatedVUs (${preAllocatedVUs})`);
  return { preAllocatedVUs, maxVUs };
}

/** Reads typed fields of one options object, recording every problem with its path instead of stopping at the first. */
export class FieldReader {
  readonly #at: string;
  readonly #o: Record<string, unknown>;
  readonly #problems: string[];

  constructor(at: string, o: Record<string, unknown>, problems: string[]) {
    this.#at = at;
    this.#o = o;
    this.#problems = problems;
  }

  #path(key: string): string {
    return this.#at ? `${this.#at}.${key}` : key;
  }

  integer(key: string, fallback: number, min: number): number {
    const v = this.#o[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      this.#problems.push(`${this.#path(key)}: must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  requiredInteger(key: string, min: number): number {
    if (this.#o[key] === undefined) {
      this.#problems.push(`${this.#path(key)}: required`);
      return min;
    }
    return this.integer(key, min, min);
  }

  number(key: string, fallback: number, positive = false): number {
    const v = this.#o[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
      this.#problems.push(`${this.#path(key)}: must be a ${positive ? "positive" : "non-negative"} number, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  requiredNumber(key: string, positive: boolean): number {
    if (this.#o[key] === undefined) {
      this.#problems.push(`${this.#path(key)}: required`);
      return 1;
    }
    return this.number(key, 1, positive);
  }

  string(key: string, fallback: string): string {
    const v = this.#o[key];
    if (v === undefined) return fallback;
    if (typeof v !== "string" || v === "") {
      this.#problems.push(`${this.#path(key)}: must be a non-empty string, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  duration(key: string, fallback: number, positive = false): number {
    const v = this.#o[key];
    if (v === undefined) return fallback;
    try {
      const ms = parseDuration(v as string | number, this.#path(key));
      if (positive && ms <= 0) throw new Error(`${this.#path(key)}: must be longer than 0, got ${JSON.stringify(v)}`);
      return ms;
    } catch (e) {
      this.#problems.push((e as Error).message);
      return fallback;
    }
  }

  requiredDuration(key: string): number {
    if (this.#o[key] === undefined) {
      this.#problems.push(`${this.#path(key)}: required`);
      return 1;
    }
    return this.duration(key, 1, true);
  }

  stringMap(key: string): Readonly<Record<string, string>> {
    const v = this.#o[key];
    if (v === undefined) return {};
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      this.#problems.push(`${this.#path(key)}: must be an object of strings`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") {
        this.#problems.push(`${this.#path(key)}.${k}: must be a string, got ${JSON.stringify(x)}`);
      } else out[k] = String(x);
    }
    return out;
  }

  stages(key: string): Stage[] {
    const v = this.#o[key];
    if (!Array.isArray(v) || v.length === 0) {
      this.#problems.push(`${this.#path(key)}: required, a non-empty list of {duration, target}`);
      return [];
    }
    return v.map((s, i) => {
      const at = `${this.#path(key)}[${i}]`;
      if (s === null || typeof s !== "object") {
        this.#problems.push(`${at}: must be an object {duration, target}`);
        return { durationMs: 0, target: 0 };
      }
      const r = new FieldReader(at, s as Record<string, unknown>, this.#problems);
      for (const k of Object.keys(s)) if (k !== "duration" && k !== "target") this.#problems.push(`${at}.${k}: unknown stage field`);
      return { durationMs: r.requiredStageDuration("duration"), target: r.requiredTarget("target") };
    });
  }

  requiredStageDuration(key: string): number {
    if (this.#o[key] === undefined) {
      this.#problems.push(`${this.#path(key)}: required`);
      return 0;
    }
    return this.duration(key, 0);
  }

  requiredTarget(key: string): number {
    if (this.#o[key] === undefined) {
      this.#problems.push(`${this.#path(key)}: required`);
      return 0;
    }
    return this.number(key, 0);
  }
}
