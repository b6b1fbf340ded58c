/**
 * Process exit codes. Where k6 has a code for the same failure we use k6's number
 * (errext/exitcodes/codes.go), so CI scripts written for k6 read loadgen's codes the same way.
 */
export const ExitCode = {
  /** The run finished and every threshold passed. */
  ok: 0,
  /** A threshold failed (also when abortOnFail stopped the run early). k6: ThresholdsHaveFailed. */
  thresholdsFailed: 99,
  /** setup() did not return within its timeout. k6: SetupTimeout. */
  setupTimeout: 100,
  /** teardown() did not return within its timeout. k6: TeardownTimeout. */
  teardownTimeout: 101,
  /** The engine itself failed (a bug, or the host ran out of a resource). k6: GenericEngine. */
  engineError: 103,
  /** Options or CLI flags are invalid. k6: InvalidConfig. */
  invalidConfig: 104,
  /** The run was interrupted from outside (SIGINT/SIGTERM). k6: ExternalAbort. */
  externalAbort: 105,
  /** The script could not be bundled, loaded or initialised, or setup/teardown threw. k6: ScriptException. */
  scriptError: 107,
  /** The script called test.abort(). k6: ScriptAborted. (fail() in setup is a script error, 107, as in k6.) */
  scriptAborted: 108,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
