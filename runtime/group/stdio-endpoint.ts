import type { Readable, Writable } from "node:stream";
import { decodeLine, encodeMessage, lineSplitter, type CoordinatorCommand } from "./protocol.ts";
import type { RunnerEndpoint } from "./runner.ts";

/**
 * A runner's endpoint on its standard streams: messages as lines on `output` (stdout: nothing else may write there),
 * commands as lines on `input` (stdin). The end of `input` means the coordinator is gone. A local worker speaks it
 * over its pipes; a runner pod's stdout is its log, which the coordinator reads through the API server.
 */
export function stdioEndpoint(input: Readable, output: Writable, log: (line: string) => void): RunnerEndpoint {
  const queued: Array<CoordinatorCommand | undefined> = [];
  const waiting: Array<(c: CoordinatorCommand | undefined) => void> = [];
  let ended = false;
  const deliver = (c: CoordinatorCommand | undefined) => {
    const w = waiting.shift();
    if (w) w(c);
    else queued.push(c);
  };
  const lines = lineSplitter((line) => {
    try {
      const c = decodeLine<CoordinatorCommand>(line);
      if (c !== undefined) deliver(c);
    } catch (e) {
      log(`ERROR ${(e as Error).message}`);
    }
  });
  input.setEncoding("utf8");
  input.on("data", (chunk: string) => lines.push(chunk));
  input.on("end", () => {
    lines.end();
    ended = true;
    deliver(undefined);
  });
  return {
    send(message) {
      output.write(encodeMessage(message));
    },
    nextCommand() {
      if (queued.length) return Promise.resolve(queued.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
