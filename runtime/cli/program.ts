import { Command } from "commander";
import { runCommand } from "./run-command.ts";
import { inspectCommand } from "./inspect-command.ts";
import { clusterCommand } from "./cluster-command.ts";
import { nodepoolCommand } from "./nodepool-command.ts";
import { cleanupCommand } from "./cleanup-command.ts";

/** The `loadgen` command line; exported so tests can parse arguments without spawning a process. */
export function createProgram(): Command {
  const program = new Command("loadgen")
    .description("Scriptable load generator for the Kubernetes and KubeVirt control plane (k6-style TypeScript scenarios)")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .enablePositionalOptions();
  program.addCommand(runCommand());
  program.addCommand(inspectCommand());
  program.addCommand(clusterCommand());
  program.addCommand(nodepoolCommand());
  program.addCommand(cleanupCommand());
  return program;
}
