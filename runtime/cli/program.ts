import { Command } from "commander";

/**
 * The commands, each loaded only when it runs: a command's module pulls in what it needs (the Kubernetes client, the
 * local cluster's code), and `loadgen --help` or a run without a cluster should not pay for the others'.
 */
const COMMANDS: ReadonlyArray<{ name: string; args?: string; summary: string; load(): Promise<Command> }> = [
  { name: "run", args: "<file>", summary: "run a scenario, a kperf load profile, a KubeVirt perfscale workload or a loadgen archive", load: async () => (await import("./run-command.ts")).runCommand() },
  { name: "inspect", args: "<script>", summary: "print the scenario's resolved options as JSON", load: async () => (await import("./inspect-command.ts")).inspectCommand() },
  { name: "archive", args: "<file>", summary: "bundle a scenario with its files, options and -e values into one file that runs anywhere", load: async () => (await import("./archive-command.ts")).archiveCommand() },
  { name: "cluster", summary: "a real local control plane on 127.0.0.1 (up, status, down, build)", load: async () => (await import("./cluster-command.ts")).clusterCommand() },
  { name: "image", summary: "loadgen's own container image: build it, import it into the local cluster's real node", load: async () => (await import("./image-command.ts")).imageCommand() },
  { name: "nodepool", summary: "pools of fake nodes that kwok keeps Ready (add, list, delete)", load: async () => (await import("./nodepool-command.ts")).nodepoolCommand() },
  { name: "rg", summary: "runner groups: one test split across N runner pods, merged and judged here (run, status, result, delete)", load: async () => (await import("./rg-command.ts")).rgCommand() },
  { name: "job", args: "<scenario>", summary: "run a scenario as a Kubernetes Job (or CronJob) from its archive; job result, job delete", load: async () => (await import("./job-command.ts")).jobCommand() },
  { name: "wait-for", args: "<url>", summary: "wait until a URL answers 2xx (the init container of `loadgen job --wait-for`)", load: async () => (await import("./wait-for-command.ts")).waitForCommand() },
  { name: "cleanup", summary: "delete the Kubernetes objects loadgen runs created and wait until they are gone", load: async () => (await import("./cleanup-command.ts")).cleanupCommand() },
  { name: "runner", args: "<script>", summary: "one runner of a runner group (started by `loadgen run --workers`; not for use by hand)", load: async () => (await import("./runner-command.ts")).runnerCommand() },
];

/**
 * The `loadgen` command line for `argv`: the command it names is loaded in full, the others are listed by name and
 * summary for the top-level help.
 */
export async function createProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("loadgen")
    .description("Scriptable load generator for the Kubernetes and KubeVirt control plane (k6-style TypeScript scenarios)")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .enablePositionalOptions();
  const asked = argv.slice(2).find((a) => !a.startsWith("-"));
  const helpFor = asked === "help" ? argv.slice(2).filter((a) => !a.startsWith("-"))[1] : undefined;
  for (const c of COMMANDS) {
    if (c.name === asked || c.name === helpFor) program.addCommand(await c.load());
    else {
      const listed = new Command(c.name).description(c.summary).helpOption(false).allowUnknownOption().allowExcessArguments();
      if (c.args) listed.argument(c.args);
      program.addCommand(listed);
    }
  }
  return program;
}
