// `loadgen wait-for URL`: polls URL until it answers 2xx, as NimbusGuard's curl init container polled the service's
// /health before its load test. `loadgen job --wait-for` runs it as the Job's init container (loadgen's image has no
// shell or curl; loadgen itself is there).
import { Command } from "commander";
import { request } from "undici";
import { CommandExitCode } from "../exit-codes.ts";
import { durationMs } from "./flag-parsers.ts";
import { addFlags, defaultedFlag, type FlagValues } from "./flags.ts";

const WAIT_FOR_FLAGS = {
  interval: defaultedFlag("--interval <duration>", "time between tries", durationMs("--interval"), 2_000, { defaultText: "2s" }),
  timeout: defaultedFlag("--timeout <duration>", "give up (exit 1) after this long; 0: never", durationMs("--timeout"), 5 * 60_000, { defaultText: "5m" }),
};
type WaitForFlags = FlagValues<typeof WAIT_FOR_FLAGS>;

/** A failed try, once per distinct answer (a service coming up goes from refused to 503 to 200). */
function describe(e: unknown): string {
  const err = e as { code?: string; cause?: { code?: string }; message?: string };
  return err.cause?.code ?? err.code ?? err.message ?? String(e);
}

export function waitForCommand(): Command {
  return addFlags(
    new Command("wait-for").description("wait until URL answers 2xx (e.g. a service's /health), then exit 0").argument("<url>", "an http:// or https:// URL"),
    WAIT_FOR_FLAGS,
  ).action(async (url: string, flags: WaitForFlags) => {
    const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    let target: URL;
    try {
      target = new URL(url);
      if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error("not http(s)");
    } catch {
      process.stderr.write(`loadgen wait-for: ${JSON.stringify(url)} is not an http:// or https:// URL\n`);
      process.exitCode = CommandExitCode.failed;
      return;
    }
    const started = Date.now();
    let last = "";
    for (let tries = 1; ; tries++) {
      let answer: string;
      try {
        const r = await request(target, { method: "GET", headersTimeout: 5_000, bodyTimeout: 5_000 });
        await r.body.dump();
        if (r.statusCode >= 200 && r.statusCode < 300) {
          say(`${target.href} answered ${r.statusCode} after ${((Date.now() - started) / 1000).toFixed(1)} s (${tries} tr${tries === 1 ? "y" : "ies"})`);
          process.exitCode = CommandExitCode.ok;
          return;
        }
        answer = `HTTP ${r.statusCode}`;
      } catch (e) {
        answer = describe(e);
      }
      if (answer !== last) say(`waiting for ${target.href}: ${answer}`);
      last = answer;
      if (flags.timeout > 0 && Date.now() - started + flags.interval > flags.timeout) {
        process.stderr.write(`loadgen wait-for: ${target.href} did not answer 2xx within ${flags.timeout / 1000} s (last: ${answer})\n`);
        process.exitCode = CommandExitCode.failed;
        return;
      }
      await new Promise((r) => setTimeout(r, flags.interval));
    }
  });
}
