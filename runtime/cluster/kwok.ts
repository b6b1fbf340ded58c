// kwok: drives the fake Nodes (annotation kwok.x-k8s.io/node=fake), the Pods
// the real scheduler binds to them, and the KubeVirt objects, through the
// Stages written to the cluster dir from controlplane/manifests/stages/.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import yaml from "js-yaml";
import { manifestsDir } from "./paths.ts";
import { LOOPBACK } from "./ports.ts";
import { probe } from "./http-probe.ts";
import { loadStageTiming, stageTimingFile, type StageTiming } from "./stage-timing.ts";

export const FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node=fake";
/**
 * Fake nodes with this label belong to the kwok controller loadgen deployed in the cluster (`nodepool add --controller
 * deploy`, runtime/kwok/controller-deploy.ts's CONTROLLER_LABEL, repeated here to keep the layers apart): the
 * cluster's kwok leaves them alone, so the two never both write a node's status or hold its lease.
 */
export const DEPLOYED_CONTROLLER_LABEL = "loadgen.io/kwok-controller";

/** Node and pod stages printed from kwok's Go packages (kwok 0.8 loads none by default). */
const NODE_POD_STAGES = join(manifestsDir, "stages", "node-pod.yaml");
/** The stand-ins for KubeVirt's controllers. */
const KUBEVIRT_STAGES = join(manifestsDir, "stages", "kubevirt.yaml");

interface StageDoc {
  kind: string;
  metadata: { name: string };
  spec: { delay?: { durationMilliseconds?: number; jitterDurationMilliseconds?: number } };
}

function loadStages(file: string): StageDoc[] {
  return (yaml.loadAll(readFileSync(file, "utf8")) as StageDoc[]).filter((d) => d && d.kind === "Stage");
}

/** Names of the stages whose timing the timing file may set. */
export function timedStageNames(): string[] {
  return loadStages(KUBEVIRT_STAGES).map((s) => s.metadata.name);
}

/** Loads the timing file in effect (explicit path, $LOADGEN_STAGE_TIMING or the default). */
export function currentStageTiming(explicitFile?: string): StageTiming {
  return loadStageTiming(stageTimingFile(explicitFile), timedStageNames());
}

/** kwok's --config file: all stages, with the KubeVirt delays from `timing`. */
export function renderKwokConfig(timing: StageTiming): string {
  const kubevirt = loadStages(KUBEVIRT_STAGES).map((stage) => {
    const d = timing.delays[stage.metadata.name];
    if (d) stage.spec.delay = { durationMilliseconds: d.minMs, jitterDurationMilliseconds: d.maxMs };
    return stage;
  });
  const docs = [...loadStages(NODE_POD_STAGES), ...kubevirt];
  const header = `# Written by loadgen cluster up from ${NODE_POD_STAGES},\n# ${KUBEVIRT_STAGES} and timing file ${timing.file}.\n`;
  return header + docs.map((d) => "---\n" + yaml.dump(d, { lineWidth: -1, noRefs: true })).join("");
}

/** Hash of a rendered config: a running cluster restarts kwok when its stages or timings change. */
export function kwokConfigHash(config: string): string {
  return createHash("sha256").update(config).digest("hex").slice(0, 16);
}

export async function writeKwokConfig(path: string, config: string): Promise<void> {
  await writeFile(path, config);
}

export function kwokArgs(o: { kubeconfig: string; config: string; port: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--config=${o.config}`,
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}`,
    `--manage-nodes-with-label-selector=!${DEPLOYED_CONTROLLER_LABEL}`,
    `--server-address=${LOOPBACK}:${o.port}`,
    // Pod IPs are status strings only; a /16 leaves room for large runs.
    "--cidr=10.0.0.0/16",
    // Renew a Lease per fake node, as kubelets do (node-heartbeat-with-lease
    // relies on it). Without the flag kwok 0.8 runs no lease controller.
    "--node-lease-duration-seconds=40",
  ];
}

export async function kwokHealthy(port: number): Promise<boolean> {
  const r = await probe(`http://${LOOPBACK}:${port}/healthz`, { timeoutMs: 2000 });
  return r.status === 200;
}
