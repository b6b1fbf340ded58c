/**
 * The output contract's two ends, the same for every run whatever its input format: outputs are started and the
 * sample-taking ones attached to the engine before the first sample; at the end each receives the end-of-test report,
 * in registration order (so stdout reads in a fixed order), and then all are stopped.
 */
import type { MetricsEngine } from "../metrics/engine.ts";
import type { EndOfTest, Output, SampleOutput } from "./types.ts";

/** An output that takes only the end-of-test report. */
export function endOfTestOutput(description: string, endOfTest: (report: EndOfTest) => void | Promise<void>): Output {
  return {
    describe: () => description,
    async start() {},
    async endOfTest(report) {
      await endOfTest(report);
    },
    async stop() {},
  };
}

/** Starts every output; those that take samples get them from `engine` from now on. */
export async function startOutputs(engine: MetricsEngine, outputs: readonly Output[]): Promise<void> {
  for (const output of outputs) if (output.add !== undefined) engine.attachOutput(output as SampleOutput);
  await Promise.all(outputs.map((out) => out.start()));
}

/**
 * Hands `report` to every output that takes it, one after the other, then stops them all. An output that fails is
 * logged and the others still run.
 * @returns false when an output failed.
 */
export async function finishOutputs(outputs: readonly Output[], report: EndOfTest, log: (line: string) => void): Promise<boolean> {
  let ok = true;
  for (const output of outputs) {
    try {
      await output.endOfTest?.(report);
    } catch (e) {
      ok = false;
      log(`ERROR ${output.describe()}: ${(e as Error).message}`);
    }
  }
  const stopped = await Promise.allSettled(outputs.map((out) => out.stop()));
  stopped.forEach((s, i) => {
    if (s.status === "rejected") {
      ok = false;
      log(`ERROR ${outputs[i]!.describe()}: ${(s.reason as Error)?.message ?? String(s.reason)}`);
    }
  });
  return ok;
}
