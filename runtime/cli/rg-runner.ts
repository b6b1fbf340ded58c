// `loadgen rg runner --payload DIR`: what each pod of a runner group's Job runs. Its index is the Job's
// JOB_COMPLETION_INDEX, its segment the index-th of the group's equal segments (a kperf profile: the whole of it, as
// in kperf); the scenario and its __ENV come from
// the payload ConfigMaps mounted at DIR (a loadgen archive, as `loadgen run FILE.tar` runs one). It speaks the runner-group protocol: messages on stdout (the pod's log),
// commands from the control ConfigMap (runtime/group/pod-endpoint.ts), logs on stderr (also in the pod's log,
// unmarked).
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LoadgenError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import { readArchiveFile } from "../archive/read-archive.ts";
import { prepareArchive } from "../group/pod-group-run.ts";
import { equalSegments } from "../group/local-workers.ts";
import type { GroupManifest } from "../group/pod-objects.ts";
import { podEndpoint } from "../group/pod-endpoint.ts";
import { encodeMessage } from "../group/protocol.ts";
import { runRunner } from "../group/runner.ts";
import { archivedKperfProfile } from "../formats/kperf-runner-group.ts";
import { runKperfRunner } from "../kperf/kperf-runner.ts";

export async function rgRunnerAction(payloadDir: string): Promise<number> {
  const log = (line: string) => void process.stderr.write(line + "\n");
  const write = (text: string) => void process.stdout.write(text);
  const index = Number(process.env.JOB_COMPLETION_INDEX ?? "0");
  let endpoint: Awaited<ReturnType<typeof podEndpoint>> | undefined;
  try {
    const manifest = JSON.parse(readFileSync(path.join(payloadDir, "group.json"), "utf8")) as GroupManifest;
    const parts = readdirSync(payloadDir).filter((f) => /^part-\d+$/.test(f)).sort();
    const dir = mkdtempSync(path.join(tmpdir(), "loadgen-runner-"));
    const file = path.join(dir, manifest.entry);
    writeFileSync(file, Buffer.concat(parts.map((p) => readFileSync(path.join(payloadDir, p)))));
    const archive = readArchiveFile(file);
    if (archive === undefined) throw new LoadgenError(`${file}: the group's payload is not a loadgen archive`, ExitCode.invalidConfig);
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
    const namespace = process.env.LOADGEN_RG_NAMESPACE ?? readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/namespace", "utf8").trim();
    endpoint = await podEndpoint({ kubeConfig, namespace, control: manifest.control, log, write });
    if (index >= manifest.count) throw new LoadgenError(`runner index ${index} is outside the group of ${manifest.count}`, ExitCode.invalidConfig);
    if (archive.meta.content === "document") {
      // A kperf profile: as in kperf, every runner runs the whole of it.
      log(`loadgen rg runner: group ${manifest.name}, runner ${index} of ${manifest.count}, the whole kperf profile`);
      const { profile } = archivedKperfProfile(archive, file, { cli: manifest.cli, env: manifest.env, cluster: {}, runId: manifest.runId, log });
      const scenario = path.basename(archive.meta.input.source).replace(/\.ya?ml$/i, "");
      const code = await runKperfRunner(profile, endpoint, { index, log, runId: manifest.runId, scenario, cluster: {} });
      endpoint.close();
      return code;
    }
    const { segments, sequence } = equalSegments(manifest.count);
    const segment = segments[index]!;
    log(`loadgen rg runner: group ${manifest.name}, runner ${index} of ${manifest.count}, segment ${segment}`);
    const prepared = await prepareArchive(archive, file, {
      cli: { ...manifest.cli, ...(manifest.split === "segments" ? { executionSegment: segment, executionSegmentSequence: sequence } : {}) },
      env: manifest.env,
      log,
      cluster: {},
      runId: manifest.runId,
      group: "runner",
    });
    const code = await runRunner(prepared, endpoint, { index, log });
    endpoint.close();
    return code;
  } catch (e) {
    const exitCode = e instanceof LoadgenError ? e.exitCode : ExitCode.engineError;
    const reason = e instanceof LoadgenError ? e.message : `internal error: ${(e as Error)?.stack ?? String(e)}`;
    write(encodeMessage({ v: 1, type: "failed", runner: index, reason, exitCode }));
    endpoint?.close();
    return exitCode;
  }
}
