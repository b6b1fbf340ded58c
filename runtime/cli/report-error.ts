import { LoadgenError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";

/** Prints an error the way users should see it (our errors as one message, anything else with its stack) and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof LoadgenError) {
    process.stderr.write(`loadgen: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`loadgen: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.engineError;
}
