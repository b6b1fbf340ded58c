import { createProgram } from "./program.ts";

/** Entry point of bin/loadgen.js. Each command sets process.exitCode; a few exit explicitly (see run-command.ts). */
export async function main(argv: readonly string[]): Promise<void> {
  await (await createProgram(argv)).parseAsync(argv as string[]);
}
