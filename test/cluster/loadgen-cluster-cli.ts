// Runs `loadgen cluster …` from this module alone, until the lead's main
// program mounts clusterCommand(): node --import tsx test/cluster/loadgen-cluster-cli.ts up
// Guarded so that test runners that import every file here do nothing with it.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { clusterCommand } from "../../runtime/cli/cluster-command.ts";

export function program(): Command {
  return new Command("loadgen").addCommand(clusterCommand());
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await program().parseAsync(["node", "loadgen", "cluster", ...process.argv.slice(2)]);
}
