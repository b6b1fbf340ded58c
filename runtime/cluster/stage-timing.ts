// The simulated KubeVirt timings: a small YAML file mapping kwok Stage names
// to {minMs, maxMs}, applied to the Stages in
// controlplane/manifests/stages/kubevirt.yaml when kwok's config is written.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import yaml from "js-yaml";
import { manifestsDir } from "./paths.ts";

export const DEFAULT_STAGE_TIMING_FILE = join(manifestsDir, "stages", "timing.yaml");

export interface StageDelay {
  minMs: number;
  maxMs: number;
}

export interface StageTiming {
  file: string;
  delays: Record<string, StageDelay>;
}

/** The timing file in effect: the explicit one, else $LOADGEN_STAGE_TIMING, else the repo default. */
export function stageTimingFile(explicit?: string): string {
  // Absolute: the path is recorded in the cluster state and re-read later from any directory.
  return resolve(explicit ?? process.env.LOADGEN_STAGE_TIMING ?? DEFAULT_STAGE_TIMING_FILE);
}

export function loadStageTiming(file: string, knownStages: readonly string[]): StageTiming {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`stage timing file ${file} cannot be read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new Error(`stage timing file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error(`stage timing file ${file} must map stage names to {minMs, maxMs}`);
  }
  const delays: Record<string, StageDelay> = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!knownStages.includes(name)) {
      throw new Error(`stage timing file ${file}: unknown stage "${name}" (known: ${knownStages.join(", ")})`);
    }
    const v = value as Partial<StageDelay> | null;
    const ok = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;
    if (!v || !ok(v.minMs) || !ok(v.maxMs) || v.maxMs < v.minMs) {
      throw new Error(`stage timing file ${file}: "${name}" needs {minMs, maxMs} with 0 <= minMs <= maxMs, got ${JSON.stringify(value)}`);
    }
    delays[name] = { minMs: Math.round(v.minMs), maxMs: Math.round(v.maxMs) };
  }
  return { file, delays };
}
