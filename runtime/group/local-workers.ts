/**
 * `loadgen run --workers N`: N local runner processes, one per execution segment of the sequence 0,1/N,…,1, each
 * `loadgen runner SCRIPT` speaking the protocol over its pipes. Processes rather than worker threads: a worker that
 * crashes, runs out of memory or is killed takes nothing else down and is seen as gone; each has its own heap and
 * garbage collector, so one worker's pauses do not stall the others; and a process on pipes is what a runner pod is
 * on its log, so the coordinator code is the same for both.
 */
import { spawn } from "node:child_process";
import type { CliOverrides } from "../config/options.ts";
import { packagePath } from "../util/package-path.ts";
import type { ClusterFlags } from "../../stdlib/host-module.ts";
import { decodeLine, encodeMessage, lineSplitter, type RunnerMessage } from "./protocol.ts";
import { EventQueue, type RunnerEvent, type RunnerLink } from "./runner-link.ts";

/** The environment variable that carries the scenario's __ENV (JSON) to a runner: values stay off command lines. */
export const SCENARIO_ENV_VARIABLE = "LOADGEN_SCENARIO_ENV";

export interface LocalWorkersSpec {
  readonly script: string;
  readonly count: number;
  readonly runId: string;
  /** `-u/-d/-i`, as given to the coordinator. */
  readonly cli: CliOverrides;
  /** The scenario's __ENV, as the coordinator resolved it. */
  readonly env: Readonly<Record<string, string>>;
  readonly cluster: ClusterFlags;
}

/** The N equal segments of a test and their sequence: `0:1/N`, `1/N:2/N`, … in `0,1/N,…,1`. */
export function equalSegments(count: number): { segments: string[]; sequence: string } {
  const points = Array.from({ length: count + 1 }, (_, i) => (i === 0 ? "0" : i === count ? "1" : `${i}/${count}`));
  return { segments: points.slice(0, -1).map((p, i) => `${p}:${points[i + 1]}`), sequence: points.join(",") };
}

/** Starts the workers; each is running its init code when this returns. */
export function launchLocalWorkers(spec: LocalWorkersSpec): RunnerLink[] {
  const { segments, sequence } = equalSegments(spec.count);
  return segments.map((segment, index) => new LocalWorker(spec, index, segment, sequence));
}

/** The command line that runs `loadgen runner` with this loadgen (under Deno when this process is Deno). */
function runnerCommand(args: readonly string[]): [string, string[]] {
  const bin = packagePath("bin", "loadgen.js");
  const deno = (process.versions as Record<string, string | undefined>).deno !== undefined;
  return [process.execPath, deno ? ["run", "-A", bin, "runner", ...args] : [bin, "runner", ...args]];
}

class LocalWorker implements RunnerLink {
  readonly index: number;
  readonly segment: string;
  readonly name: string;
  readonly #events = new EventQueue<RunnerEvent>();
  readonly #child;
  #gone = false;

  constructor(spec: LocalWorkersSpec, index: number, segment: string, sequence: string) {
    this.index = index;
    this.segment = segment;
    this.name = `worker ${index + 1}`;
    const args = [spec.script, "--execution-segment", segment, "--execution-segment-sequence", sequence, "--run-id", spec.runId, "--runner-index", String(index)];
    if (spec.cli.vus !== undefined) args.push("--vus", String(spec.cli.vus));
    if (spec.cli.duration !== undefined) args.push("--duration", spec.cli.duration);
    if (spec.cli.iterations !== undefined) args.push("--iterations", String(spec.cli.iterations));
    if (spec.cluster.kubeconfig !== undefined) args.push("--kubeconfig", spec.cluster.kubeconfig);
    if (spec.cluster.context !== undefined) args.push("--context", spec.cluster.context);
    const [command, argv] = runnerCommand(args);
    this.#child = spawn(command, argv, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, [SCENARIO_ENV_VARIABLE]: JSON.stringify(spec.env), FORCE_COLOR: "0" },
    });
    const out = lineSplitter((line) => {
      let message: RunnerMessage | undefined;
      try {
        message = decodeLine<RunnerMessage>(line);
      } catch (e) {
        return this.#lose(null, `sent a message that does not read: ${(e as Error).message}`);
      }
      this.#events.push(message === undefined ? { kind: "log", line } : { kind: "message", message });
    });
    const err = lineSplitter((line) => this.#events.push({ kind: "log", line }));
    this.#child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    this.#child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
    // A worker that died leaves its stdin closed: writing to it must not crash the coordinator.
    this.#child.stdin.on("error", () => {});
    this.#child.on("error", (e) => this.#lose(null, `could not be started: ${e.message}`));
    this.#child.on("close", (code, signal) => {
      out.end();
      err.end();
      this.#lose(code, signal ? `was killed by ${signal}` : `exited with code ${code}`);
    });
  }

  #lose(exitCode: number | null, reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#events.push({ kind: "gone", exitCode, reason });
  }

  where(): string {
    return `pid ${this.#child.pid ?? "?"}`;
  }

  next(): Promise<RunnerEvent> {
    return this.#events.next();
  }

  send(command: Parameters<RunnerLink["send"]>[0]): void {
    if (this.#child.stdin.writable) this.#child.stdin.write(encodeMessage(command));
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }
}
