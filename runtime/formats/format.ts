/**
 * The contract of an input format of `loadgen run FILE`: a TypeScript scenario, a kperf load profile or runner-group
 * spec, a KubeVirt perfscale workload (either of its formats), a loadgen archive of any of them. Each is one file here
 * with `detect` (is this file mine?), `validate` (every problem at once, naming the file and field; nothing contacted
 * yet), `prepare` (a Run the run command executes the same way for every format; runtime/execution/run.ts) and
 * `archiveAs` (what `loadgen archive` keeps of it; archive-input.ts). registry.ts lists them.
 *
 * Layer: runtime/formats may import the execution layer (prepare, execute, Run), the format libraries (runtime/kperf,
 * runtime/kubevirt, runtime/archive), runtime/bundle, runtime/config's types and runtime/errors; never the CLI
 * (runtime/cli) or runtime/output, and of stdlib/ only its registry (modules.ts) and paths. Nothing imports it but the
 * CLI and tests.
 */
import type { Archive } from "../archive/archive.ts";
import type { CliOverrides } from "../config/options.ts";
import type { PrepareOptions } from "../execution/prepare-run.ts";
import type { Run } from "../execution/run.ts";
import type { KperfOverrides } from "../kperf/profile.ts";

/** The file given to `loadgen run`, read once. */
export interface InputFile {
  /** As the user gave it. */
  readonly path: string;
  /** True for a .yaml/.yml file: read and parsed into `document`. A script is read by the bundler, with its imports. */
  readonly yaml: boolean;
  /** The parsed YAML document; undefined for a script. */
  readonly document: unknown;
  /** A loadgen archive (recognised by its content, whatever the file's name), read and checked. */
  readonly archive?: Archive;
}

/**
 * What `loadgen archive` keeps of an input: the scenario it runs as (a script, bundled with the files its init code
 * opens), or the document itself, for a format that runs without VUs.
 */
export type ArchiveAs = { readonly script: string; readonly source: string } | "document";

/** What the run command asks of every format: the flags, as they apply. */
export interface RunRequest {
  /** `-u/-d/-i`: a script's execution options; `-d` is also a kperf profile's duration. */
  readonly cli: CliOverrides;
  /** What scripts see as `__ENV`. */
  readonly env: Readonly<Record<string, string>>;
  /** `--kubeconfig`, `--context`. */
  readonly cluster: NonNullable<PrepareOptions["cluster"]>;
  /** `--block-hostnames`, `--blacklist-ip`. */
  readonly network?: PrepareOptions["network"];
  /** `--threshold` conditions by metric key, added to the run's own. */
  readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  /** `--delete`: for a KubeVirt workload, delete it instead of running it. */
  readonly delete?: boolean;
  /** `--workers N`: split the run over N local runner processes by execution segments (runtime/group). */
  readonly workers?: number;
  /** `kperf runner run`'s flags, for kperf profiles. */
  readonly kperf?: { readonly overrides?: KperfOverrides; readonly rawData?: boolean };
  readonly runId: string;
  /** Prints one line for the user (stderr). */
  readonly log: (line: string) => void;
}

export interface InputFormat<Validated = unknown> {
  /** A short id, e.g. `kperf-profile`: the outputs' run metadata says it. */
  readonly name: string;
  /** What it is and how it is recognised, for the message about a file of no known format. */
  readonly description: string;
  /** Takes `kperf runner run`'s flags (--rate, --total, …); other formats refuse them. */
  readonly takesKperfFlags?: boolean;
  /** Runs its scenarios through the engine's executors, so it takes `--execution-segment`; other formats refuse it. */
  readonly runsScenarios?: boolean;
  /** Can be split over `--workers` local runner processes (runtime/group); other formats refuse it. */
  readonly takesWorkers?: boolean;
  detect(input: InputFile): boolean;
  /**
   * Reads the file's content as this format.
   * @throws {InvalidOptionsError} naming the file and every problem, each with its field.
   */
  validate(input: InputFile, request: RunRequest): Validated;
  /** Makes the run: opens what it needs (the cluster, a bundle, the init code) but measures nothing yet. */
  prepare(validated: Validated, input: InputFile, request: RunRequest): Promise<Run>;
  /** How `loadgen archive` archives it; a format without it cannot be archived. */
  archiveAs?(validated: Validated, input: InputFile, request: RunRequest): ArchiveAs;
}
