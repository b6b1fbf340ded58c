// Waiting for a just-started component to become ready, while watching that
// it is still alive: a component that exits during start-up fails fast with
// its log tail instead of a time-out.
import { processState, tailFile, type ProcessRecord } from "./processes.ts";

export class ComponentStartError extends Error {
  constructor(
    readonly component: string,
    readonly logFile: string,
    readonly logTail: string,
    detail: string,
  ) {
    super(`${component} ${detail}; its log is ${logFile}\n--- last lines of ${component}'s log ---\n${logTail || "(empty)"}`);
    this.name = "ComponentStartError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` (true = ready) every 250 ms until it succeeds, the process
 * exits, or `timeoutMs` passes. Errors thrown by `check` count as "not yet".
 */
export async function waitReady(rec: ProcessRecord, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  for (;;) {
    if (processState(rec) !== "running") {
      // Give the process a moment to flush its last log lines.
      await sleep(200);
      throw new ComponentStartError(rec.name, rec.logFile, await tailFile(rec.logFile, 25), "exited during start-up");
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new ComponentStartError(
        rec.name,
        rec.logFile,
        await tailFile(rec.logFile, 25),
        `was not ready after ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last probe: ${lastError})` : ""}`,
      );
    }
    await sleep(250);
  }
}
