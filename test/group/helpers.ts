// What the runner-group specs share: the CLI run as a user runs it (against the shared local cluster, in a namespace of
// the test's own, with this checkout's image), the summary export read back, and the group's objects listed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { packageRoot } from "../../runtime/image/loadgen-image.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";

export const SCENARIO = join(packageRoot, "test", "fixtures", "scenarios", "group", "shared.ts");

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `loadgen ARGS` with the local cluster's kubeconfig; resolves when it exits. */
export async function loadgen(args: readonly string[], o: { onStderr?: (text: string, child: ChildProcess) => void } = {}): Promise<CliResult & { child: ChildProcess }> {
  const { kubeconfig } = await useLocalCluster();
  const child = spawn(process.execPath, [join(packageRoot, "bin", "loadgen.js"), ...args], { env: { ...process.env, KUBECONFIG: kubeconfig, FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
    o.onStderr?.(stderr, child);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  if (process.env.RG_TEST_VERBOSE) process.stderr.write(`--- loadgen ${args.join(" ")} (exit ${code})\n${stderr}\n`);
  return { code, stdout, stderr, child };
}

/** A fresh file path for --summary-export. */
export function summaryFile(): string {
  return join(mkdtempSync(join(tmpdir(), "rg-summary-")), "summary.json");
}

export interface RunnerRow {
  readonly name: string;
  readonly segment: string;
  readonly where: string;
  readonly state: string;
  readonly exitCode: number | null;
  readonly iterations: number;
  readonly reason?: string;
}

/** The summary export's merged counts and its per-runner table. */
export function readSummary(file: string): { iterations: number; checks: Record<string, { passes: number; fails: number }>; runners: RunnerRow[]; partial?: boolean; missingSegments?: string[] } {
  const s = JSON.parse(readFileSync(file, "utf8"));
  const groups = [s.root_group, ...(s.root_group?.groups ?? [])];
  const checks: Record<string, { passes: number; fails: number }> = {};
  for (const g of groups) for (const c of Object.values(g?.checks ?? {}) as Array<{ name: string; passes: number; fails: number }>) checks[c.name] = { passes: c.passes, fails: c.fails };
  const data = s.extensions?.runners?.data ?? {};
  return { iterations: s.metrics?.iterations?.values?.count ?? 0, checks, runners: data.runners ?? [], partial: data.partial, missingSegments: data.missingSegments };
}

/** The group's objects of every kind it is made of (by its label), as `Kind/name`. */
export async function groupObjects(kc: KubeConfig, namespace: string, selector: string): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const kinds = [["batch/v1", "Job"], ["v1", "Pod"], ["v1", "ConfigMap"], ["v1", "ServiceAccount"], ["rbac.authorization.k8s.io/v1", "Role"], ["rbac.authorization.k8s.io/v1", "RoleBinding"]];
  const out: string[] = [];
  for (const [apiVersion, kind] of kinds) {
    const list = await api.list(apiVersion!, kind!, namespace, undefined, undefined, undefined, undefined, selector);
    for (const item of list.items) out.push(`${kind}/${item.metadata!.name}`);
  }
  return out.sort();
}
