/**
 * Process exit codes, every command's. `loadgen run`'s follow k6 where k6 has a code for the same failure
 * (errext/exitcodes/codes.go), so CI scripts written for k6 read loadgen's codes the same way; the other commands
 * (cluster, cleanup, nodepool) use a shell's conventions (CommandExitCode). Commander's own usage errors (an unknown
 * flag, a flag value that does not read) exit 1.
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

/** Exit codes of `loadgen cluster`, `loadgen cleanup` and `loadgen nodepool`. */
export const CommandExitCode = {
  ok: 0,
  /** The command did not do what it was asked: an error, objects still there after cleanup, a refused confirmation. */
  failed: 1,
  /** `loadgen cluster status`: a component of the local cluster has crashed. */
  clusterCrashed: 3,
  /** A local cluster build interrupted by Ctrl-C, as a shell reports SIGINT (128 + 2). */
  interrupted: 130,
  /** A local cluster build stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;
