// Every object a run creates carries `loadgen.io/run=<run id>` and `loadgen.io/scenario=<name>`, so
// `loadgen cleanup --run <id>` (or `--all`) can find and delete it later.

export const RUN_LABEL = "loadgen.io/run";
export const SCENARIO_LABEL = "loadgen.io/scenario";

/** A label value Kubernetes accepts: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function labelValue(text: string): string {
  let v = text.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63);
  v = v.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
  return v || "unnamed";
}

/** Adds the run's labels to an object (in place) and returns it. */
export function addRunLabels(obj: { metadata?: { labels?: Record<string, string> } }, runId: string, scenario: string): void {
  const metadata = (obj.metadata ??= {});
  const labels = (metadata.labels ??= {});
  labels[RUN_LABEL] = labelValue(runId);
  labels[SCENARIO_LABEL] = labelValue(scenario);
}

/** The label selector of one run's objects, or of every loadgen object. */
export function runSelector(runId: string | undefined): string {
  return runId === undefined ? RUN_LABEL : `${RUN_LABEL}=${labelValue(runId)}`;
}
