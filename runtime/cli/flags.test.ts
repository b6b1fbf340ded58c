// Every command's flag tables agree with what commander parses: a key that is not the flag's attribute name throws
// when the command is built, and the values an action gets are the table's.
import { Command } from "commander";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cleanupCommand } from "./cleanup-command.ts";
import { clusterCommand } from "./cluster-command.ts";
import { addFlags, switchFlag, textFlag } from "./flags.ts";
import { inspectCommand } from "./inspect-command.ts";
import { nodepoolCommand } from "./nodepool-command.ts";
import { runCommand } from "./run-command.ts";

test("every command builds from its flag tables", () => {
  for (const make of [runCommand, inspectCommand, clusterCommand, nodepoolCommand, cleanupCommand]) assert.instance(make(), Command);
});

test("a table key that is not the flag's name is refused", () => {
  assert.throws(() => addFlags(new Command("x"), { kubeConfig: textFlag("--kubeconfig <file>", "") }), /--kubeconfig <file> is read as "kubeconfig", not "kubeConfig"/);
});

test("--kubeconfig and --context are one declaration, the same in run, cleanup and each nodepool command", () => {
  const help = (c: Command, name: string) => c.options.find((o) => o.long === name)!.description;
  const nodepool = nodepoolCommand();
  const commands = [runCommand(), cleanupCommand(), ...nodepool.commands];
  for (const name of ["--kubeconfig", "--context"]) {
    const texts = new Set(commands.map((c) => help(c, name)));
    assert.is(texts.size, 1, name);
  }
  assert.is(commands.length, 5);
});

test("run lists kperf's runner flags under their own heading", () => {
  const help = runCommand().helpInformation();
  const heading = help.indexOf("kperf load profiles and runner-group specs (FILE.yaml), as kperf runner run's flags:");
  assert.ok(heading > 0, help);
  for (const flag of ["--rate <qps>", "--total <n>", "--conns <n>", "--client <n>", "--content-type <type>", "--disable-http2", "--max-retries <n>", "--raw-data", "--result-format <format>", "--result <file>"]) {
    assert.ok(help.indexOf(flag) > heading, flag);
  }
});

test("an action gets the table's values: parsed, defaulted and repeated", async () => {
  let seen: unknown;
  const c = addFlags(new Command("x").exitOverride(), { json: switchFlag("--json", ""), name: textFlag("--name <n>", "") }).action((o) => void (seen = o));
  await c.parseAsync(["--json", "--name", "a"], { from: "user" });
  assert.equal(seen, { json: true, name: "a" });
});

test.run();
