// `loadgen archive FILE -o OUT.tar`: the scenario (or kperf profile, or KubeVirt workload) with everything it needs in
// one file that `loadgen run OUT.tar` runs anywhere, with no source tree (runtime/archive, runtime/formats/archive-input.ts).
import { Command } from "commander";
import { displayPath } from "../bundle/display-path.ts";
import { writeArchive } from "../archive/write-archive.ts";
import { newRunId } from "../execution/run-id.ts";
import { archiveInput } from "../formats/archive-input.ts";
import { thresholdPair } from "./flag-parsers.ts";
import { addFlags, repeatableFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";
import { reportError } from "./report-error.ts";
import { EXECUTION_FLAGS, KPERF_FLAGS } from "./run-flags.ts";

const { rate, total, conns, client, contentType, disableHttp2, maxRetries, rawData } = KPERF_FLAGS;

export const ARCHIVE_FLAGS = {
  output: { ...textFlag("-o, --output <file>", "the archive to write (a tar; gzipped when it ends in .gz or .tgz)"), required: true },
  ...EXECUTION_FLAGS,
  threshold: repeatableFlag<Readonly<Record<string, readonly string[]>>>("--threshold <METRIC=CONDITION>", "a threshold kept in the archive, added to the script's own (repeatable)", thresholdPair, {}),
  delete: switchFlag("--delete", "for a KubeVirt perfscale workload: archive the run that deletes the workload"),
  rate, total, conns, client, contentType, disableHttp2, maxRetries, rawData,
};
type ArchiveFlags = FlagValues<typeof ARCHIVE_FLAGS>;

export function archiveCommand(): Command {
  return addFlags(
    new Command("archive")
      .description("bundle a scenario, the files its init code opens, its resolved options and -e values into one file that `loadgen run FILE` runs anywhere")
      .argument("<file>", "scenario (.ts or .js), kperf profile or KubeVirt workload (.yaml)"),
    ARCHIVE_FLAGS,
  ).action(async (file: string, flags: ArchiveFlags) => {
    const say = (line: string) => process.stderr.write(line + "\n");
    try {
      const { archive } = await archiveInput(file, {
        cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations },
        env: flags.env,
        cluster: {},
        thresholds: Object.keys(flags.threshold).length ? flags.threshold : undefined,
        delete: flags.delete,
        kperf: {
          overrides: { rate: flags.rate, total: flags.total, conns: flags.conns, client: flags.client, contentType: flags.contentType as "json" | "protobuf" | undefined, disableHTTP2: flags.disableHttp2, maxRetries: flags.maxRetries },
          rawData: flags.rawData,
        },
        runId: newRunId(),
        log: say,
      });
      const bytes = writeArchive(flags.output!, archive);
      const files = archive.meta.files;
      say(`loadgen: archived ${archive.meta.input.source} (${archive.meta.content === "document" ? archive.meta.input.format : `${files.length} file${files.length === 1 ? "" : "s"} opened`}) into ${displayPath(flags.output!)} (${(bytes / 1024).toFixed(1)} KiB)`);
      process.exitCode = 0;
    } catch (e) {
      process.exitCode = reportError(e);
    }
    // The init code may have left timers or sockets behind (as after a run): they must not keep the process.
    setImmediate(() => process.exit());
  });
}
