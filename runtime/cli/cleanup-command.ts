// `loadgen cleanup --run <id> | --all [--yes]`: deletes the objects runs created (they carry loadgen.io/run) and waits
// until they are gone. --all asks for a confirmation on a terminal unless --yes is given.
import { createInterface } from "node:readline/promises";
import { Command } from "commander";
import { CommandExitCode } from "../exit-codes.ts";
import { resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import { KubeClient } from "../kube/client.ts";
import { cleanupRun, findLabelled } from "../kube/cleanup.ts";
import { DEFAULT_K8S_OPTIONS } from "../kube/k8s-options.ts";
import { RUN_LABEL } from "../kube/labels.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { durationMs } from "./flag-parsers.ts";
import { addFlags, defaultedFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";

const CLEANUP_FLAGS = {
  run: textFlag("--run <id>", "the run whose objects to delete (printed at the start of `loadgen run`)"),
  all: switchFlag("--all", "every object any loadgen run created"),
  yes: switchFlag("-y, --yes", "do not ask for confirmation (--all)"),
  ...CLUSTER_FLAGS,
  timeout: defaultedFlag("--timeout <duration>", "how long to wait for the objects to be gone", durationMs("--timeout"), 5 * 60_000, { defaultText: "5m" }),
};
type CleanupFlags = FlagValues<typeof CLEANUP_FLAGS>;

const say = (line: string) => process.stderr.write(line + "\n");

/** The `cleanup` subcommand. Exit code 0 when everything is gone, 1 otherwise (runtime/exit-codes.ts). */
export function cleanupCommand(): Command {
  return addFlags(new Command("cleanup").description(`delete the Kubernetes objects loadgen runs created (label ${RUN_LABEL}) and wait until they are gone`), CLEANUP_FLAGS)
    .action(async (flags: CleanupFlags) => {
      process.exitCode = await cleanupAction(flags);
    });
}

async function cleanupAction(flags: CleanupFlags): Promise<number> {
  if (!flags.run === !flags.all) {
    say("loadgen cleanup: give either --run <id> or --all");
    return CommandExitCode.failed;
  }
  const timeoutMs = flags.timeout;
  let client: KubeClient | undefined;
  try {
    const access = await resolveClusterAccess({ kubeconfig: flags.kubeconfig, context: flags.context }, say);
    client = new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId: flags.run ?? "cleanup" });
    const what = flags.run ? `run ${flags.run}` : "every loadgen run";
    if (flags.all && !flags.yes) {
      const found = await findLabelled(client, undefined);
      if (found.length === 0) {
        say(`loadgen cleanup: no loadgen objects on ${access.origin}`);
        return CommandExitCode.ok;
      }
      if (!process.stdin.isTTY) {
        say(`loadgen cleanup: --all would delete ${found.length} object(s) on ${access.origin}; add --yes to confirm (stdin is not a terminal)`);
        return CommandExitCode.failed;
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Delete ${found.length} object(s) of ${what} on ${access.origin}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        say("loadgen cleanup: nothing deleted");
        return CommandExitCode.failed;
      }
    }
    const r = await cleanupRun(client, { runId: flags.run, log: (l) => say(`loadgen cleanup: ${l}`), timeoutMs });
    if (r.remaining > 0) {
      say(`loadgen cleanup: ${r.remaining} object(s) of ${what} are still there after ${timeoutMs / 1000} s (finalizers?)`);
      return CommandExitCode.failed;
    }
    say(`loadgen cleanup: ${r.deleted === 0 ? `no objects of ${what} were found` : `deleted ${r.deleted} object(s) of ${what}; all gone`}`);
    return CommandExitCode.ok;
  } catch (e) {
    say(`loadgen cleanup: ${(e as Error).message}`);
    return CommandExitCode.failed;
  } finally {
    await client?.close();
  }
}
