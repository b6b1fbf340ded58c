// Helpers for the loadgen/k8s suite: run a scenario (written to a temp folder) against the local cluster through
// prepareRun/executeRun, and read back what a user would look at: exit code, logs, summary, metric series.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LoadgenError } from "../../runtime/errors.ts";
import { executeRun, type RunResult } from "../../runtime/execution/execute-run.ts";
import { prepareRun, type PreparedRun } from "../../runtime/execution/prepare-run.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";

export interface K8sRun {
  readonly exitCode: number;
  readonly logs: string[];
  readonly error: string | undefined;
  readonly result: RunResult | undefined;
  readonly prepared: PreparedRun | undefined;
}

/** Writes `source` (plus sibling files) to a temp folder and runs it against the local cluster (or `kubeconfig`). */
export async function runK8sScenario(
  source: string,
  o: { files?: Record<string, string>; env?: Record<string, string>; kubeconfig?: string; context?: string; runId?: string } = {},
): Promise<K8sRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-k8s-"));
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(path.join(dir, name), text);
  const script = path.join(dir, "scenario.ts");
  writeFileSync(script, source);
  const kubeconfig = o.kubeconfig ?? (await useLocalCluster()).kubeconfig;
  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
    if (process.env.K8S_TEST_LOG) process.stderr.write(line + "\n");
  };
  let prepared: PreparedRun | undefined;
  try {
    prepared = await prepareRun({ scriptPath: script, cli: {}, env: o.env ?? {}, log, cluster: { kubeconfig, context: o.context }, runId: o.runId });
    const result = await executeRun(prepared, { noThresholds: false, outputs: [], log });
    return { exitCode: result.exitCode, logs, error: undefined, result, prepared };
  } catch (e) {
    if (!(e instanceof LoadgenError)) throw e;
    return { exitCode: e.exitCode, logs, error: e.message, result: undefined, prepared };
  }
}

/** The series of a metric: tags and summary values, for asserting on tags. */
export function series(run: K8sRun, name: string): Array<{ tags: Record<string, string>; values: Record<string, number> }> {
  const p = run.prepared!;
  const m = p.metrics.get(name);
  if (!m) return [];
  return p.engine.seriesOf(m).map(({ tags, sink }) => ({ tags: { ...tags.tags }, values: sink.summaryValues(1000) }));
}

/** Sum of a counter over the series whose tags match `filter`. */
export function count(run: K8sRun, name: string, filter: Record<string, string> = {}): number {
  return series(run, name)
    .filter((s) => Object.entries(filter).every(([k, v]) => s.tags[k] === v))
    .reduce((n, s) => n + (s.values.count ?? 0), 0);
}

/** The iteration/setup errors a run logged, joined (for assertion messages). */
export function errorsOf(run: K8sRun): string {
  return [run.error ?? "", ...run.logs].join("\n");
}

/** Names of the checks that failed at least once (with counts), from the summary's root group. */
export function failedChecks(run: K8sRun): string[] {
  const out: string[] = [];
  const walk = (g: { checks: Array<{ name: string; fails: number; passes: number }>; groups: unknown[] }) => {
    for (const c of g.checks) if (c.fails > 0) out.push(`${c.name} (${c.fails} failed, ${c.passes} passed)`);
    for (const sub of g.groups) walk(sub as typeof g);
  };
  if (run.result) walk(run.result.summary.root_group);
  return out;
}

/** Names of every check that ran. */
export function checkNames(run: K8sRun): string[] {
  const out: string[] = [];
  const walk = (g: { checks: Array<{ name: string }>; groups: unknown[] }) => {
    for (const c of g.checks) out.push(c.name);
    for (const sub of g.groups) walk(sub as typeof g);
  };
  if (run.result) walk(run.result.summary.root_group);
  return out;
}
