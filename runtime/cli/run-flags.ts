import { InvalidArgumentError, type Command } from "commander";

/** Parses `-u 50`: a positive integer. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** Collects repeated `-e KEY=VALUE` flags into an object. */
export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Collects a repeatable string flag. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The flags `run` and `inspect` share: k6's execution overrides and `-e`. */
export function addExecutionFlags(command: Command): Command {
  return command
    .option("-u, --vus <n>", "VUs (replaces the script's execution options)", positiveInt("--vus"))
    .option("-d, --duration <duration>", "test duration, e.g. 30s (replaces the script's execution options)")
    .option("-i, --iterations <n>", "total iterations, shared by the VUs (replaces the script's execution options)", positiveInt("--iterations"))
    .option("-e, --env <KEY=VALUE>", "a variable for __ENV (repeatable)", envPair, {});
}
