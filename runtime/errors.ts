import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/** An error the CLI reports as one clear message and a specific exit code (never a stack trace of ours). */
export class LoadgenError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Options, flags or thresholds that do not validate; `problems` lists every one found, each naming its field. */
export class InvalidOptionsError extends LoadgenError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source?: string) {
    super(`invalid options${source ? ` in ${source}` : ""}:\n  - ${problems.join("\n  - ")}`, ExitCode.invalidConfig);
    this.problems = problems;
  }
}

/** The scenario script failed to bundle, load or initialise; `message` carries `file:line:col` of the TypeScript source. */
export class ScriptError extends LoadgenError {
  constructor(message: string) {
    super(message, ExitCode.scriptError);
  }
}

/** The script asked to stop the run (test.abort()). */
export class ScriptAbortedError extends LoadgenError {
  constructor(reason: string) {
    super(`test aborted: ${reason}`, ExitCode.scriptAborted);
  }
}
